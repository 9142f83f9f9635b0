// Reading a multipart form with one file: every part is read to the end (so the browser always
// gets our answer, even for a file over the limit), the file into memory up to the limit.
import type { FastifyRequest } from 'fastify';
import { MAX_UPLOAD_BYTES } from '../../infrastructure/uploads';
import { badRequest, PortalError, tooLarge } from './errors';

export type UploadedForm = {
  fields: Record<string, string>;
  file: { fieldName: string; fileName: string; bytes: Buffer } | null;
};

/** The file's name as a label: no path, no control characters, at most 200 characters. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (clean || 'файл').slice(0, 200);
}

export async function readUploadForm(request: FastifyRequest): Promise<UploadedForm> {
  if (!request.isMultipart())
    throw badRequest('Форма отправлена без файла. Выберите файл и нажмите «Отправить».');
  const fields = Object.create(null) as Record<string, string>;
  let file: UploadedForm['file'] = null;
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
  return { fields, file };

  async function readParts(): Promise<void> {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of part.file) {
          size += (chunk as Buffer).length;
          if (size <= MAX_UPLOAD_BYTES) chunks.push(chunk as Buffer);
        }
        if (part.file.truncated || size > MAX_UPLOAD_BYTES) truncated = true;
        // A second file, or an empty file input, is ignored.
        if (!file && size > 0)
          file = {
            fieldName: part.fieldname,
            fileName: cleanFileName(part.filename),
            bytes: Buffer.concat(chunks),
          };
      } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
        fields[part.fieldname] = part.value;
      }
    }
  }
}
