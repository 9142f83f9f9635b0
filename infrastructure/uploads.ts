// Keeping a handed-in file before the workflow looks at it: the bytes go to the blob store, the
// workflow gets only the upload's id (never file bytes through its history).
import { randomUUID } from 'node:crypto';
import type { Channel } from '../workflows/api';
import { sha256Hex } from './blobs';
import type { BlobStore } from './blobs';
import type { Db } from './db/client';

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export type UploadInput = {
  quarter: string;
  municipality: string;
  fileName: string;
  bytes: Uint8Array;
  channel: Channel;
  actor: string;
  origin: string;
};

export class UploadTooLargeError extends Error {
  constructor(size: number) {
    super(
      `Файл слишком большой: ${(size / 1024 / 1024).toFixed(1)} МБ, допускается не больше ${MAX_UPLOAD_BYTES / 1024 / 1024} МБ. ` +
        'Уберите из документа рисунки и лишние страницы.',
    );
  }
}

/** An upload ready to be written: its blob (content-addressed) and its row. */
export type UploadWrite = {
  blob: { sha256: string; size: number; bytes: Uint8Array<ArrayBuffer> };
  row: {
    id: string;
    quarter: string;
    municipality: string;
    fileName: string;
    blobSha256: string;
    size: number;
    channel: Channel;
    actor: string;
    origin: string;
  };
};

/** What storing `input` writes, decided before anything is written (so writes can be grouped). */
export function uploadWrite(input: UploadInput): UploadWrite {
  if (input.bytes.length > MAX_UPLOAD_BYTES) throw new UploadTooLargeError(input.bytes.length);
  const bytes = new Uint8Array(input.bytes);
  const sha256 = sha256Hex(bytes);
  return {
    blob: { sha256, size: bytes.length, bytes },
    row: {
      id: randomUUID(),
      quarter: input.quarter,
      municipality: input.municipality,
      // Kept only as a label for people; never used as a path.
      fileName: input.fileName.slice(0, 255),
      blobSha256: sha256,
      size: bytes.length,
      channel: input.channel,
      actor: input.actor,
      origin: input.origin,
    },
  };
}

/** Writes one upload: its bytes to the blob store, its row. Returns the upload's id. */
export async function writeUpload(db: Db, files: BlobStore, write: UploadWrite): Promise<string> {
  await files.put(write.blob.bytes);
  await db.upload.create({ data: write.row });
  return write.row.id;
}

export async function storeUpload(db: Db, files: BlobStore, input: UploadInput): Promise<string> {
  return writeUpload(db, files, uploadWrite(input));
}
