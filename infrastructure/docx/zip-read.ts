// A small, defensive ZIP reader for uploaded DOCX files. It reads the central directory, checks the
// declared sizes against the limits and inflates only the parts asked for, with the real output
// capped (zlib's maxOutputLength): headers that lie about sizes cannot make it expand a bomb.
// An ambiguous archive is refused: two entries whose names match once case, slashes and Unicode
// normalisation are set aside, or an entry whose local header names another file than the central
// directory does. Word and Svodka could each read a different part from such a file.

import { crc32, inflateRawSync } from 'node:zlib';
import { DocxRejection, formatSize } from './rejection';

export type ZipEntry = {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
};

export type ZipLimits = {
  /** The most all inflated parts may take together, and each part alone. */
  maxUncompressed: number;
  /** The most entries an archive may list. */
  maxEntries?: number;
};

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const CORRUPT =
  'Файл повреждён или передан не полностью: архив документа не читается. ' +
  'Откройте его в Word, сохраните заново («Файл → Сохранить как → Документ Word (.docx)») и отправьте снова.';

function corrupt(): DocxRejection {
  return new DocxRejection('corrupt', CORRUPT);
}

function bomb(limit: number): DocxRejection {
  return new DocxRejection(
    'zip-bomb',
    `Файл распаковывается в объём больше допустимых ${formatSize(limit)} и не может быть принят. ` +
      'Настоящий документ с таблицей мероприятий столько не занимает: проверьте, тот ли файл выбран, ' +
      'и уберите из документа лишние вложения и крупные изображения.',
  );
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly directories = new Set<string>();
  private readonly view: DataView;
  private inflated = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: ZipLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readDirectory();
  }

  /** Part names are case-insensitive in OPC; a leading slash, backslashes and Unicode normal form do not matter. */
  static key(name: string): string {
    return name.normalize('NFC').replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
  }

  has(name: string): boolean {
    return this.entries.has(ZipArchive.key(name));
  }

  get(name: string): ZipEntry | undefined {
    return this.entries.get(ZipArchive.key(name));
  }

  /** The inflated bytes of a part, or null when the archive has no such part. */
  read(name: string): Uint8Array | null {
    const entry = this.get(name);
    if (!entry) return null;
    if (entry.flags & 1) throw encryptedZip();
    const data = this.compressedData(entry);
    const budget = this.limits.maxUncompressed - this.inflated;
    if (entry.size > budget) throw bomb(this.limits.maxUncompressed);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (data.length !== entry.size) throw corrupt();
      out = data;
    } else if (entry.method === 8) {
      try {
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, budget) });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
          throw bomb(this.limits.maxUncompressed);
        }
        throw corrupt();
      }
    } else {
      throw corrupt();
    }
    if (out.length > budget) throw bomb(this.limits.maxUncompressed);
    if (out.length !== entry.size || crc32(out) >>> 0 !== entry.crc) throw corrupt();
    this.inflated += out.length;
    return out;
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt();
    return Number(value);
  }

  private inRange(at: number, length: number): boolean {
    return at >= 0 && length >= 0 && at + length <= this.bytes.length;
  }

  private findEndOfDirectory(): number {
    const min = Math.max(0, this.bytes.length - 22 - 0xffff);
    for (let at = this.bytes.length - 22; at >= min; at--) {
      if (this.bytes[at] === 0x50 && this.bytes[at + 1] === 0x4b && this.u32(at) === EOCD) {
        const commentLength = this.u16(at + 20);
        if (at + 22 + commentLength <= this.bytes.length) return at;
      }
    }
    throw corrupt();
  }

  private readDirectory(): void {
    const end = this.findEndOfDirectory();
    let count = this.u16(end + 10);
    let size = this.u32(end + 12);
    let offset = this.u32(end + 16);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      const locator = end - 20;
      if (locator >= 0 && this.u32(locator) === EOCD64_LOCATOR) {
        const at = this.u64(locator + 8);
        if (!this.inRange(at, 56) || this.u32(at) !== EOCD64) throw corrupt();
        count = this.u64(at + 32);
        size = this.u64(at + 40);
        offset = this.u64(at + 48);
      }
    }
    const maxEntries = this.limits.maxEntries ?? 10_000;
    if (count > maxEntries) throw bomb(this.limits.maxUncompressed);
    if (!this.inRange(offset, size)) throw corrupt();
    let declared = 0;
    let at = offset;
    for (let i = 0; i < count; i++) {
      if (!this.inRange(at, 46) || this.u32(at) !== CENTRAL) throw corrupt();
      const flags = this.u16(at + 8);
      const method = this.u16(at + 10);
      const crc = this.u32(at + 16);
      let compressedSize = this.u32(at + 20);
      let uncompressed = this.u32(at + 24);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      let localOffset = this.u32(at + 42);
      if (!this.inRange(at + 46, nameLength + extraLength + commentLength)) throw corrupt();
      const nameBytes = this.bytes.subarray(at + 46, at + 46 + nameLength);
      const name = new TextDecoder('utf-8').decode(nameBytes);
      // ZIP64: the real sizes live in the extra field with id 1, in this order, for each 0xFFFFFFFF.
      if (uncompressed === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
        let e = at + 46 + nameLength;
        const extraEnd = e + extraLength;
        while (e + 4 <= extraEnd) {
          const id = this.u16(e);
          const length = this.u16(e + 2);
          if (id === 1) {
            let f = e + 4;
            if (uncompressed === 0xffffffff) {
              uncompressed = this.u64(f);
              f += 8;
            }
            if (compressedSize === 0xffffffff) {
              compressedSize = this.u64(f);
              f += 8;
            }
            if (localOffset === 0xffffffff) localOffset = this.u64(f);
            break;
          }
          e += 4 + length;
        }
      }
      if (uncompressed > this.limits.maxUncompressed) throw bomb(this.limits.maxUncompressed);
      declared += uncompressed;
      if (declared > this.limits.maxUncompressed) throw bomb(this.limits.maxUncompressed);
      const entry: ZipEntry = { name, flags, method, crc, compressedSize, size: uncompressed, localOffset };
      if (!this.localNameMatches(localOffset, nameBytes)) throw ambiguous(name);
      const key = ZipArchive.key(name);
      if (key.endsWith('/')) {
        const directory = key.replace(/\/+$/, '');
        if (this.entries.has(directory)) throw ambiguous(name);
        this.directories.add(directory);
      } else {
        if (this.entries.has(key) || this.directories.has(key)) throw ambiguous(name);
        this.entries.set(key, entry);
      }
      at += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** The local header at `at` exists and names the same bytes as the central directory. */
  private localNameMatches(at: number, central: Uint8Array): boolean {
    if (!this.inRange(at, 30) || this.u32(at) !== LOCAL) throw corrupt();
    const length = this.u16(at + 26);
    if (length !== central.length || !this.inRange(at + 30, length)) return false;
    for (let k = 0; k < length; k++) if (this.bytes[at + 30 + k] !== central[k]) return false;
    return true;
  }

  private compressedData(entry: ZipEntry): Uint8Array {
    const at = entry.localOffset;
    if (!this.inRange(at, 30) || this.u32(at) !== LOCAL) throw corrupt();
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    if (!this.inRange(start, entry.compressedSize)) throw corrupt();
    return this.bytes.subarray(start, start + entry.compressedSize);
  }
}

function ambiguous(name: string): DocxRejection {
  return new DocxRejection(
    'duplicate-entry',
    `Архив документа устроен неоднозначно: файл «${name.slice(0, 200)}» записан в нём дважды или под ` +
      'разными именами. Word и Сводка могли бы прочитать из такого архива разное, поэтому он не принимается. ' +
      'Откройте документ в Word, сохраните его заново как «Документ Word (.docx)» и отправьте снова.',
  );
}

function encryptedZip(): DocxRejection {
  return new DocxRejection(
    'encrypted',
    'Архив документа зашифрован паролем. Снимите пароль, сохраните документ как «Документ Word (.docx)» и отправьте снова.',
  );
}

/** True when the bytes start like a ZIP archive (a local file header or an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) ||
      (bytes[2] === 5 && bytes[3] === 6) ||
      (bytes[2] === 7 && bytes[3] === 8))
  );
}
