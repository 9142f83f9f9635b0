// Reading a multipart form: every part is read to the end (so the browser always gets our answer,
// even for a file over the limit), each file into memory up to the limit. Most forms carry one file
// (`file`); a form with several names them (`files`, the first of each name).
import type { FastifyRequest } from 'fastify';
import { MAX_UPLOAD_BYTES } from '../../infrastructure/uploads';
import { badRequest, PortalError, tooLarge } from './errors';

export type UploadedForm = {
  fields: Record<string, string>;
  file: UploadedFile | null;
  files: Record<string, UploadedFile>;
};

export type UploadedFile = { fieldName: string; fileName: string; bytes: Buffer };

/** The file's name as a label: no path, no control characters, at most 200 characters. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (clean || 'файл').slice(0, 200);
}

/** `files`: how many files the form may carry (the portal's default is one: fewer bytes held per request). */
export async function readUploadForm(
  request: FastifyRequest,
  options: { files?: number } = {},
): Promise<UploadedForm> {
  if (!request.isMultipart())
    throw badRequest('Форма отправлена без файла. Выберите файл и нажмите «Отправить».');
  const fields = Object.create(null) as Record<string, string>;
  let file: UploadedForm['file'] = null;
  const files = Object.create(null) as Record<string, UploadedFile>;
  let truncated = false;
  try {
    await readParts();
  } catch (err) {
    if (err instanceof PortalError || (err as { statusCode?: number }).statusCode === 413) throw err;
    // A broken or interrupted multipart body is the sender's problem, not ours.
    throw badRequest(
      'Файл передан не полностью или в неожиданном виде. Обновите страницу и отправьте файл снова.',
    );
  }
  if (truncated) throw tooLarge(MAX_UPLOAD_BYTES / 1024 / 1024);
  return { fields, file, files };

  async function readParts(): Promise<void> {
    const parts = options.files ? request.parts({ limits: { files: options.files } }) : request.parts();
    for await (const part of parts) {
      if (part.type === 'file') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of part.file) {
          size += (chunk as Buffer).length;
          if (size <= MAX_UPLOAD_BYTES) chunks.push(chunk as Buffer);
        }
        if (part.file.truncated || size > MAX_UPLOAD_BYTES) truncated = true;
        // An empty file input is ignored, and so is a second file of the same name.
        if (size === 0 || part.fieldname in files) continue;
        const read = {
          fieldName: part.fieldname,
          fileName: cleanFileName(part.filename),
          bytes: Buffer.concat(chunks),
        };
        files[part.fieldname] = read;
        file ??= read;
      } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
        fields[part.fieldname] = part.value;
      }
    }
  }
}
