// Rows typed into the portal's form travel like a file: stored once in the database as a JSON blob,
// and the workflow gets only the upload's id. An answer of megabytes never enters a history.
import { COLUMN_KEYS } from '../domain/types';
import type { EventRow } from '../domain/types';
import type { UploadInput } from './uploads';

/** The label of a form answer's upload; with channel 'form' it marks the bytes as JSON rows. */
export const FORM_ROWS_FILE = 'form-rows.json';

/** The upload a form answer is stored as: its rows as JSON bytes. */
export function formRowsUpload(input: {
  quarter: string;
  municipality: string;
  rows: EventRow[];
  actor: string;
  origin: string;
}): UploadInput {
  return {
    quarter: input.quarter,
    municipality: input.municipality,
    fileName: FORM_ROWS_FILE,
    bytes: Buffer.from(JSON.stringify(input.rows), 'utf8'),
    channel: 'form',
    actor: input.actor,
    origin: input.origin,
  };
}

export function isFormRowsUpload(upload: { fileName: string; channel: string }): boolean {
  return upload.channel === 'form' && upload.fileName === FORM_ROWS_FILE;
}

/** The rows of a form answer's bytes; anything but an array of objects reads as no rows. */
export function readFormRows(bytes: Uint8Array): EventRow[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value
    .filter((row): row is Record<string, unknown> => Boolean(row) && typeof row === 'object')
    .map((row) => {
      const clean = {} as EventRow;
      for (const key of COLUMN_KEYS) clean[key] = typeof row[key] === 'string' ? row[key] : '';
      return clean;
    });
}
