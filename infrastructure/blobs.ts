// Content-addressed storage of uploaded files and rendered reports, kept in the database so that
// every worker and portal instance sees the same bytes.
import { createHash } from 'node:crypto';
import type { Db } from './db/client';

export type BlobStore = {
  put(bytes: Uint8Array): Promise<string>;
  get(sha256: string): Promise<Buffer | null>;
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function createDbBlobStore(db: Db): BlobStore {
  return {
    async put(bytes) {
      const sha256 = sha256Hex(bytes);
      await db.blob.upsert({
        where: { sha256 },
        create: { sha256, size: bytes.length, bytes: Buffer.from(bytes) },
        update: {},
      });
      return sha256;
    },
    async get(sha256) {
      const blob = await db.blob.findUnique({ where: { sha256 } });
      return blob ? Buffer.from(blob.bytes) : null;
    },
  };
}
