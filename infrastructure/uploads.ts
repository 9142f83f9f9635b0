// Keeping a handed-in file before the workflow looks at it: the bytes go to the blob store, the
// workflow gets only the upload's id (never file bytes through its history).
import { randomUUID } from 'node:crypto';
import type { Channel } from '../workflows/api';
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

export async function storeUpload(db: Db, files: BlobStore, input: UploadInput): Promise<string> {
  if (input.bytes.length > MAX_UPLOAD_BYTES) throw new UploadTooLargeError(input.bytes.length);
  const blobSha256 = await files.put(input.bytes);
  const id = randomUUID();
  await db.upload.create({
    data: {
      id,
      quarter: input.quarter,
      municipality: input.municipality,
      // Kept only as a label for people; never used as a path.
      fileName: input.fileName.slice(0, 255),
      blobSha256,
      size: input.bytes.length,
      channel: input.channel,
      actor: input.actor,
      origin: input.origin,
    },
  });
  return id;
}
