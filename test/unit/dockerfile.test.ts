// Finding 6 of issue 16 (deployment): there is no Docker engine here, so the image's promises are
// checked on the Dockerfile and .dockerignore themselves: multi-stage on Node 24, no compiler and no
// root in the stage that runs, nothing secret copied in, secrets and data kept out of the context.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

type Instruction = { op: string; args: string };
type Stage = { from: string; name: string | null; instructions: Instruction[] };

/** The Dockerfile's stages, with continuation lines joined and comments dropped. */
function stages(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      out.push({ from: m?.[1] ?? args, name: m?.[2] ?? null, instructions: [] });
    } else {
      out.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return out;
}

const all = stages(dockerfile);
const final = all.at(-1)!;

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, every stage on Node 24', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) expect(stage.from).toMatch(/^node:24(-|$)/);
    expect(final.from).toBe('node:24-bookworm-slim');
  });

  it('runs as an unprivileged user', () => {
    const users = final.instructions.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(user);
    // Nothing after the USER line switches back or installs as root.
    const at = final.instructions.lastIndexOf(users.at(-1)!);
    expect(final.instructions.slice(at + 1).filter((i) => i.op === 'RUN')).toEqual([]);
  });

  it('keeps the compiler and installs out of the stage that runs', () => {
    const runs = final.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    for (const run of runs) {
      expect(run).not.toMatch(/apt-get|apk |\bg\+\+|\bgcc\b|\bmake\b|python3|npm (ci|install)/);
    }
  });

  it('copies into the stage that runs only from the build stage, never the whole context', () => {
    const copies = final.instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy.args).toMatch(/^--from=\S+/);
    const buildNames = all.slice(0, -1).map((s) => s.name);
    for (const copy of copies) expect(buildNames).toContain(/^--from=(\S+)/.exec(copy.args)![1]);
  });

  it('never names a secret in a COPY or ADD', () => {
    for (const stage of all) {
      for (const i of stage.instructions.filter((x) => x.op === 'COPY' || x.op === 'ADD')) {
        expect(i.args).not.toMatch(/\.env|\.pem|\.key\b|\.p12|\.pfx|id_rsa|secret/i);
      }
    }
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, data, history and local artefacts out of the build context', () => {
    for (const pattern of ['.env*', '*.pem', '*.key', 'data', '.git', 'test-results', 'node_modules'])
      expect(ignore).toContain(pattern);
    // Also in subdirectories.
    for (const pattern of ['**/.env*', '**/*.pem', '**/*.key']) expect(ignore).toContain(pattern);
    // No later "!" line lets a secret back in.
    expect(ignore.filter((l) => l.startsWith('!'))).toEqual([]);
  });
});
