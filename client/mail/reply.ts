// The answer to a municipality's email, in Russian: accepted, or what to fix by row and column.
import { parseQuarter, quarterPhrase } from '../../domain/quarter';
import { describeSubmission } from '../../domain/submission-text';
import type { SubmissionResult } from '../../workflows/api';

function phrase(quarter: string): string {
  try {
    return quarterPhrase(parseQuarter(quarter), { vo: true });
  } catch {
    return quarter;
  }
}

export type ReplyText = { subject: string; text: string };

const SIGNATURE =
  '\n\n—\nСводка: сбор сведений о мероприятиях в международной сфере. Это письмо отправлено автоматически.';

export function resultReply(input: {
  quarter: string;
  municipalityName: string;
  fileName: string;
  result: SubmissionResult;
  canReply: boolean;
}): ReplyText {
  const { quarter, municipalityName, fileName, result } = input;
  const head = `Получен ваш ответ с файлом «${fileName}» — сведения о мероприятиях ${phrase(quarter)}.`;
  const body = describeSubmission(municipalityName, result).join('\n');
  const next = result.accepted
    ? ''
    : input.canReply
      ? '\n\nИсправьте файл и ответьте на это письмо, приложив исправленный шаблон (файл .docx).'
      : '\n\nИсправьте файл и отправьте его снова.';
  return {
    subject: result.accepted
      ? `Сведения за ${quarter} приняты — ${municipalityName}`
      : `Сведения за ${quarter} НЕ приняты — ${municipalityName}`,
    text: `Здравствуйте!\n\n${head}\n\n${body}${next}${SIGNATURE}`,
  };
}

export function refusedReply(input: {
  quarter: string;
  municipalityName: string;
  fileName: string;
  reason: string;
}): ReplyText {
  return {
    subject: `Сведения за ${input.quarter} не приняты: квартал закрыт — ${input.municipalityName}`,
    text:
      `Здравствуйте!\n\nПолучен ваш ответ с файлом «${input.fileName}» — сведения о мероприятиях ${phrase(input.quarter)}.\n\n` +
      `${input.municipalityName}: сведения не приняты. ${input.reason}${SIGNATURE}`,
  };
}

export function tooLargeReply(input: {
  quarter: string;
  municipalityName: string;
  fileName: string;
  reason: string;
}): ReplyText {
  return {
    subject: `Сведения за ${input.quarter} НЕ приняты — ${input.municipalityName}`,
    text:
      `Здравствуйте!\n\nПолучен ваш ответ с файлом «${input.fileName}».\n\n` +
      `${input.municipalityName}: сведения НЕ приняты. ${input.reason}${SIGNATURE}`,
  };
}
