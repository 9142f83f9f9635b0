// `svodka submit <quarter> <code> (--file FILE.docx | --nil)`: accepted → 0, rejected → 1.
// The answer itself is submitted by application/submit-answer.ts; this file reads the arguments and
// words the result.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { submitAnswer } from '../../../application/submit-answer';
import { MAX_UPLOAD_BYTES, UploadTooLargeError } from '../../../infrastructure/uploads';
import { describeSubmission } from '../../../domain/submission-text';
import {
  municipalityArg,
  printJson,
  quarterArg,
  REQUEST_ID_HELP,
  requestIdOption,
  run,
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
    .option('--request-id <id>', REQUEST_ID_HELP)
    .option('--json', 'вывод в JSON')
    .action(
      async (
        quarterText: string,
        code: string,
        opts: { file?: string; nil?: boolean; json?: boolean; requestId?: string },
      ) => {
        const quarter = await quarterArg(quarterText);
        if (Boolean(opts.file) === Boolean(opts.nil))
          throw new UserError('Укажите ровно одно: --file ФАЙЛ.docx или --nil.', 2);
        const m = await municipalityArg(code);
        let answer: { kind: 'file'; fileName: string; bytes: Buffer } | { kind: 'nil' };
        if (opts.file) {
          let size: number;
          try {
            size = statSync(opts.file).size;
          } catch {
            throw new UserError(`Файл не найден: ${opts.file}`, 2);
          }
          // Said before the file is read: a huge file is never loaded into memory.
          if (size > MAX_UPLOAD_BYTES) throw new UserError(new UploadTooLargeError(size).message);
          answer = { kind: 'file', fileName: path.basename(opts.file), bytes: readFileSync(opts.file) };
        } else {
          answer = { kind: 'nil' };
        }
        const result = await run(
          submitAnswer,
          { quarter, municipality: m.code, requestId: requestIdOption(opts.requestId), answer },
          quarter,
        );
        if (opts.json) printJson(result);
        else for (const line of describeSubmission(m.name, result)) console.log(line);
        process.exitCode = result.accepted ? 0 : 1;
      },
    );
}
