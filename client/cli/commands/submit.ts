// `svodka submit <quarter> <code> (--file FILE.docx | --nil)`: accepted → 0, rejected → 1.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createDbBlobStore } from '../../../infrastructure/blobs';
import { MAX_UPLOAD_BYTES, storeUpload, UploadTooLargeError } from '../../../infrastructure/uploads';
import { describeSubmission } from '../../../domain/submission-text';
import { submissionWorkflowId, submitUpdate } from '../../../workflows/api';
import type { SubmissionPayload, SubmissionResult } from '../../../workflows/api';
import {
  actor,
  audit,
  explainTemporalError,
  getClient,
  getDb,
  municipalityArg,
  origin,
  printJson,
  quarterArg,
  UserError,
} from '../context';

export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description(
      'представить сведения муниципального образования: файл Word или «мероприятия не проводились»',
    )
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .argument('<code>', 'код муниципального образования, например vyazma')
    .option('--file <file>', 'заполненный шаблон, .docx или .xlsx')
    .option('--nil', 'мероприятия в международной сфере не проводились')
    .option('--json', 'вывод в JSON')
    .action(
      async (quarterText: string, code: string, opts: { file?: string; nil?: boolean; json?: boolean }) => {
        const quarter = quarterArg(quarterText);
        if (Boolean(opts.file) === Boolean(opts.nil))
          throw new UserError('Укажите ровно одно: --file ФАЙЛ.docx или --nil.', 2);
        const m = await municipalityArg(code);
        const db = await getDb();
        let payload: SubmissionPayload;
        if (opts.file) {
          let size: number;
          try {
            size = statSync(opts.file).size;
          } catch {
            throw new UserError(`Файл не найден: ${opts.file}`, 2);
          }
          if (size > MAX_UPLOAD_BYTES) throw new UserError(new UploadTooLargeError(size).message);
          const uploadId = await storeUpload(db, createDbBlobStore(db), {
            quarter,
            municipality: m.code,
            fileName: path.basename(opts.file),
            bytes: readFileSync(opts.file),
            channel: 'cli',
            actor: actor(),
            origin: origin(),
          });
          payload = { kind: 'file', uploadId, channel: 'cli', actor: actor() };
        } else {
          payload = { kind: 'nil', channel: 'cli', actor: actor() };
        }
        const client = await getClient();
        let result: SubmissionResult;
        try {
          result = await client.workflow
            .getHandle(submissionWorkflowId(quarter, m.code))
            .executeUpdate(submitUpdate, { args: [payload] });
        } catch (err) {
          throw await explainTemporalError(err, quarter);
        }
        await audit({
          quarter,
          municipality: m.code,
          action: 'submission',
          detail: { version: result.version, accepted: result.accepted, channel: 'cli', kind: payload.kind },
        });
        if (opts.json) printJson(result);
        else for (const line of describeSubmission(m.name, result)) console.log(line);
        process.exitCode = result.accepted ? 0 : 1;
      },
    );
}
