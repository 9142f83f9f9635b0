// Writing a DOCX package: fflate lays out the ZIP archive, Node's native zlib compresses. A part is
// fed piece by piece; each piece is deflated on its own and ends with a sync flush, so the pieces
// concatenate into one valid deflate stream (only the last one is finished) — the part is never
// held whole, and native zlib is several times faster than a JavaScript deflate.

import { constants, crc32, deflateRawSync } from 'node:zlib';
import { Zip } from 'fflate';
import type { AsyncFlateStreamHandler, ZipInputFile } from 'fflate';

class NativeDeflateFile implements ZipInputFile {
  size = 0;
  crc = 0;
  readonly compression = 8;
  ondata?: AsyncFlateStreamHandler;

  constructor(
    readonly filename: string,
    private readonly level: number,
    readonly mtime?: Date,
  ) {}

  push(chunk: Uint8Array, final = false): void {
    this.size += chunk.length;
    this.crc = crc32(chunk, this.crc) >>> 0;
    const compressed = deflateRawSync(chunk, {
      level: this.level,
      finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    });
    this.ondata!(null, compressed, final);
  }
}

export type PartSource = Uint8Array | Iterable<string | Uint8Array>;

/** Zips the parts in the given order; a part may be given as an iterable of pieces. */
export function writeZip(
  parts: [name: string, source: PartSource][],
  options: { level?: number; mtime?: Date } = {},
): Buffer {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else out.push(data);
  });
  for (const [name, source] of parts) {
    const file = new NativeDeflateFile(name, options.level ?? 6, options.mtime);
    zip.add(file);
    if (source instanceof Uint8Array) {
      file.push(source, true);
      continue;
    }
    let pending: Uint8Array | null = null;
    for (const piece of source) {
      const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      if (pending !== null) file.push(pending);
      pending = bytes;
    }
    file.push(pending ?? new Uint8Array(0), true);
  }
  zip.end();
  if (failure) throw failure;
  return Buffer.concat(out);
}
