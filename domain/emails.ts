// The texts of the emails Svodka sends, in Russian. Pure: the activity supplies every fact.
import type { Finding, QuarterId } from './types';
import { formatFinding } from './validate';

export type EmailFacts = {
  /** Replies with the file attached are read and submitted (an inbound mailbox is configured). */
  repliesAccepted?: boolean;
  quarter: QuarterId;
  /** «во II квартале 2023 года» */
  quarterPhrase: string;
  municipalityName: string;
  deadline: string;
  /** A link to the municipality's page on the portal, when the portal is configured. */
  portalUrl: string | null;
  version?: number;
  findings?: Finding[];
  rowCount?: number;
  nil?: boolean;
  comment?: string;
  reminderNumber?: number;
  /** The region's name (the quarter's, from the registry), in the closing lines. */
  region?: string;
};

export type EmailText = { subject: string; text: string };

const RU_MONTHS_GENITIVE = [
  'января',
  'февраля',
  'марта',
  'апреля',
  'мая',
  'июня',
  'июля',
  'августа',
  'сентября',
  'октября',
  'ноября',
  'декабря',
];

/** 2023-07-10 → «10 июля 2023 года» */
export function russianDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${RU_MONTHS_GENITIVE[(m ?? 1) - 1]} ${y} года`;
}

function howToAnswer(f: EmailFacts): string {
  const lines = [
    'Как представить сведения:',
    f.portalUrl
      ? `— на странице вашего муниципального образования: ${f.portalUrl} (загрузить файл, заполнить форму или сообщить, что мероприятия не проводились);`
      : null,
    f.repliesAccepted ? '— ответить на это письмо, приложив заполненный шаблон (файл .docx);' : null,
    '— если мероприятий в международной сфере не было, так и сообщите: «мероприятия не проводились».',
  ];
  return lines.filter(Boolean).join('\n');
}

/** The closing lines; the region, from the registry, when the activity names it. */
const signatureOf = (region: string | undefined) =>
  `\n\n--\nSvodka — сбор сведений о мероприятиях в международной сфере${region ? ` · ${region}` : ''}.\nПисьмо сформировано автоматически.`;

export function composeEmail(kind: string, f: EmailFacts): EmailText {
  const signature = signatureOf(f.region);
  const who = f.municipalityName;
  const due = russianDate(f.deadline);
  const period = f.quarterPhrase;
  switch (kind) {
    case 'request':
      return {
        subject: `Запрос сведений о мероприятиях в международной сфере ${period} — ${who}`,
        text:
          `Уважаемые коллеги!\n\nПросим представить сведения о мероприятиях в международной сфере, проведенных ` +
          `органами местного самоуправления (${who}) ${period}, в срок до ${due} включительно.\n\n` +
          `Шаблон таблицы приложен к письму: одна строка — одно мероприятие, заголовки столбцов не изменяйте.\n\n` +
          howToAnswer(f) +
          signature,
      };
    case 'reminder':
    case 'deadline':
      return {
        subject: `Напоминание: сведения ${period} — срок ${due} — ${who}`,
        text:
          `Уважаемые коллеги!\n\nНапоминаем: сведения о мероприятиях в международной сфере ${period} ` +
          `нужно представить ${kind === 'deadline' ? 'сегодня, ' : ''}до ${due} включительно. ` +
          `Мы пока не получили ваш ответ.\n\n` +
          howToAnswer(f) +
          signature,
      };
    case 'overdue':
      return {
        subject: `Срок истек: сведения ${period} не представлены — ${who}`,
        text:
          `Уважаемые коллеги!\n\nСрок представления сведений о мероприятиях в международной сфере ${period} ` +
          `истек ${due}. Просим направить сведения как можно скорее.\n\n` +
          howToAnswer(f) +
          signature,
      };
    case 'escalation':
      return {
        subject: `Не представлены сведения ${period} — ${who}`,
        text:
          `Уважаемый руководитель!\n\n${who} не представило сведения о мероприятиях в международной сфере ` +
          `${period}, хотя срок истек ${due} и напоминания были направлены. ` +
          `Просим поручить ответственному сотруднику направить сведения.\n\n` +
          howToAnswer(f) +
          signature,
      };
    case 'accepted':
      return {
        subject: `Сведения приняты ${period} — ${who}`,
        text:
          `Уважаемые коллеги!\n\n` +
          (f.nil
            ? `Принято сообщение о том, что мероприятия в международной сфере ${period} не проводились.`
            : `Ваши сведения ${period} приняты (версия ${f.version}, мероприятий: ${f.rowCount}).`) +
          warningsBlock(f.findings ?? []) +
          signature,
      };
    case 'rejected':
      return {
        subject: `Сведения не приняты, нужно исправить — ${period} — ${who}`,
        text:
          `Уважаемые коллеги!\n\nВаши сведения ${period} (версия ${f.version}) не приняты. Исправьте, пожалуйста:\n\n` +
          (f.findings ?? [])
            .filter((x) => x.severity === 'error')
            .map((x) => `• ${formatFinding(x)}`)
            .join('\n') +
          `\n\nПосле исправления направьте сведения снова, до ${due}.\n\n` +
          howToAnswer(f) +
          signature,
      };
    case 'extended':
      return {
        subject: `Срок продлен до ${due} — ${period} — ${who}`,
        text: `Уважаемые коллеги!\n\nСрок представления сведений ${period} продлен до ${due} включительно.\n\n${howToAnswer(f)}${signature}`,
      };
    case 'excused':
      return {
        subject: `Сведения ${period} не требуются — ${who}`,
        text: `Уважаемые коллеги!\n\nКоординатор освободил вас от представления сведений ${period}.\nПричина: ${f.comment ?? '—'}${signature}`,
      };
    case 'reopened':
      return {
        subject: `Сведения возвращены на доработку — ${period} — ${who}`,
        text:
          `Уважаемые коллеги!\n\nКоординатор вернул ваши сведения ${period} на доработку.\n` +
          `Комментарий: ${f.comment ?? '—'}\n\nНаправьте исправленные сведения до ${due}.\n\n${howToAnswer(f)}${signature}`,
      };
    default:
      return {
        subject: `Svodka: ${period} — ${who}`,
        text: `Уважаемые коллеги!\n\nСбор сведений ${period} завершен.${signature}`,
      };
  }
}

function warningsBlock(findings: Finding[]): string {
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (warnings.length === 0) return '';
  return `\n\nОбратите внимание (сведения приняты, но координатор увидит эти замечания):\n${warnings
    .map((x) => `• ${formatFinding(x)}`)
    .join('\n')}`;
}
