// The coordinator's daily digest (issue 18.7): per running quarter who is late and by how many
// working days, who was rejected and has not corrected; replies the mail channel could not match or
// held; emails the relay would not take. Pure: the activity gathers the facts, this words them.
import { isWorkingDay, workingDaysBetween } from './calendar/working-days';
import type { WorkingCalendar } from './calendar/working-days';
import { russianDate } from './emails';
import { parseQuarter, quarterRoman } from './quarter';
import { collapseWhitespace, plural } from './text';

/** A municipality's standing as its quarter's workflow reports it (SubmissionState of workflows/api.ts). */
export type DigestMunicipality = { code: string; name: string; state: string; deadline: string };

export type DigestQuarter = {
  quarter: string;
  /** The quarter's region, named when the installation runs several. */
  region?: string;
  /** The quarter's own day: Moscow today, or its virtual day when it runs on a compressed clock. */
  today: string;
  municipalities: DigestMunicipality[];
};

export type DigestInbound = { at: string; from: string; subject: string; status: string; detail: string };
export type DigestUnsent = { to: string; subject: string; attempts: number; lastError: string | null };

export type DigestFacts = {
  /** Moscow date of the digest. */
  day: string;
  calendar: WorkingCalendar;
  quarters: DigestQuarter[];
  inbound: DigestInbound[];
  unsent: DigestUnsent[];
  publicUrl: string | null;
};

/** States in which the municipality owes nothing, or its answer is being checked right now. */
const NOT_OWING = new Set(['accepted', 'excused', 'not_submitted', 'submitted']);

export type Late = { code: string; name: string; deadline: string; workingDays: number; rejected: boolean };

/**
 * Working days a municipality is late on `today`: counted from the day after its deadline (its own,
 * an extension included) over the production calendar; null when it is not late or owes nothing.
 */
export function lateBy(m: DigestMunicipality, today: string, calendar: WorkingCalendar): number | null {
  if (NOT_OWING.has(m.state) || today <= m.deadline) return null;
  const days = workingDaysBetween(m.deadline, today, calendar);
  return days > 0 ? days : null;
}

export type QuarterProblems = {
  quarter: string;
  region?: string;
  late: Late[];
  /** Rejected and not yet corrected, still within the deadline (the late ones are in `late`). */
  rejected: { code: string; name: string; deadline: string }[];
};

export function quarterProblems(q: DigestQuarter, calendar: WorkingCalendar): QuarterProblems {
  const late: Late[] = [];
  const rejected: QuarterProblems['rejected'] = [];
  for (const m of q.municipalities) {
    const days = lateBy(m, q.today, calendar);
    if (days !== null)
      late.push({
        code: m.code,
        name: m.name,
        deadline: m.deadline,
        workingDays: days,
        rejected: m.state === 'rejected',
      });
    else if (m.state === 'rejected') rejected.push({ code: m.code, name: m.name, deadline: m.deadline });
  }
  // The longest overdue first: that is whom the coordinator calls.
  late.sort((a, b) => b.workingDays - a.workingDays);
  return { quarter: q.quarter, ...(q.region ? { region: q.region } : {}), late, rejected };
}

/** «за I квартал 2024 года» */
function forQuarter(id: string): string {
  const q = parseQuarter(id);
  return `за ${quarterRoman(q)} квартал ${q.year} года`;
}

const workingDaysText = (n: number) => `${n} ${plural(n, ['рабочий день', 'рабочих дня', 'рабочих дней'])}`;

/** At most this many lines of each list; the rest is a count and a link. */
const LIST_LIMIT = 30;

function limited<T>(items: T[], line: (item: T) => string, rest: (n: number) => string): string[] {
  const lines = items.slice(0, LIST_LIMIT).map(line);
  if (items.length > LIST_LIMIT) lines.push(rest(items.length - LIST_LIMIT));
  return lines;
}

/**
 * A stranger's words (a held reply's sender, subject, our reason quoting them) on one line and
 * short: a subject with line breaks must not write lines of its own into the coordinator's digest.
 */
function foreign(text: string, max = 120): string {
  const line = collapseWhitespace(text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' '));
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const INBOUND_STATUS: Record<string, string> = {
  held: 'задержано',
  unmatched: 'не сопоставлено',
  unreadable: 'не прочитано',
};

export type Digest = {
  subject: string;
  text: string;
  counts: { late: number; rejected: number; inbound: number; unsent: number };
};

/**
 * The digest of the day, or null: nothing on a day off of the production calendar, and nothing when
 * there is nothing to say (a coordinator learns to ignore a daily «всё в порядке»).
 */
export function composeDigest(facts: DigestFacts): Digest | null {
  if (!isWorkingDay(facts.day, facts.calendar)) return null;
  const problems = facts.quarters
    .map((q) => quarterProblems(q, facts.calendar))
    .filter((p) => p.late.length > 0 || p.rejected.length > 0);
  const counts = {
    late: problems.reduce((n, p) => n + p.late.length, 0),
    rejected: problems.reduce((n, p) => n + p.rejected.length + p.late.filter((l) => l.rejected).length, 0),
    inbound: facts.inbound.length,
    unsent: facts.unsent.length,
  };
  if (problems.length === 0 && counts.inbound === 0 && counts.unsent === 0) return null;

  const parts: string[] = [`Сводка Svodka на ${russianDate(facts.day)}.`];
  for (const p of problems) {
    const section = [
      `Сбор сведений ${forQuarter(p.quarter)}${p.region ? ` — ${p.region}` : ''} (${p.quarter}):`,
    ];
    if (p.late.length > 0) {
      section.push(`Не представили сведения в срок — ${p.late.length}:`);
      section.push(
        ...limited(
          p.late,
          (l) =>
            `  — ${l.name}: просрочка ${workingDaysText(l.workingDays)} (срок — ${russianDate(l.deadline)})` +
            (l.rejected ? ', последний ответ отклонен' : ''),
          (n) => `  …и еще ${n}`,
        ),
      );
    }
    if (p.rejected.length > 0) {
      section.push(`Ответ отклонен, исправленный еще не поступил — ${p.rejected.length}:`);
      section.push(
        ...limited(
          p.rejected,
          (r) => `  — ${r.name} (срок — ${russianDate(r.deadline)})`,
          (n) => `  …и еще ${n}`,
        ),
      );
    }
    if (facts.publicUrl) section.push(`Состояние сбора: ${facts.publicUrl}/quarters/${p.quarter}`);
    parts.push(section.join('\n'));
  }
  if (facts.inbound.length > 0) {
    parts.push(
      [
        `Ответы по почте, которые ждут решения координатора — ${facts.inbound.length}:`,
        ...limited(
          facts.inbound,
          (m) =>
            `  — ${russianDate(m.at.slice(0, 10))}, ${foreign(m.from, 100)}, «${foreign(m.subject)}» ` +
            `(${INBOUND_STATUS[m.status] ?? m.status}): ${foreign(m.detail, 200)}`,
          (n) => `  …и еще ${n}`,
        ),
        'Список задержанных: npx svodka mail held',
      ].join('\n'),
    );
  }
  if (facts.unsent.length > 0) {
    parts.push(
      [
        `Письма, которые не удалось отправить — ${facts.unsent.length}:`,
        ...limited(
          facts.unsent,
          (u) =>
            `  — ${u.to}, «${u.subject}»: ${u.attempts} ${plural(u.attempts, ['попытка', 'попытки', 'попыток'])}` +
            (u.lastError ? `, ошибка: ${foreign(u.lastError, 200)}` : ''),
          (n) => `  …и еще ${n}`,
        ),
        'Svodka повторяет отправку сама; если ошибка не проходит, проверьте адрес и почтовый сервер.',
      ].join('\n'),
    );
  }
  const subjectParts: string[] = [];
  if (counts.late > 0) subjectParts.push(`просрочено: ${counts.late}`);
  if (counts.rejected > 0) subjectParts.push(`отклонено: ${counts.rejected}`);
  if (counts.inbound > 0) subjectParts.push(`письма ждут решения: ${counts.inbound}`);
  if (counts.unsent > 0) subjectParts.push(`не отправлено: ${counts.unsent}`);
  return {
    subject: `Svodka: сводка на ${russianDate(facts.day)} — ${subjectParts.join(', ')}`,
    text:
      parts.join('\n\n') +
      '\n\n--\nSvodka — сбор сведений о мероприятиях в международной сфере.\n' +
      'Отключить сводку: npx svodka notify set --digest off' +
      (facts.publicUrl ? ` или ${facts.publicUrl}/notifications` : '') +
      '\n',
    counts,
  };
}

/** «Черновик готов»: the draft of a quarter's report, rendered. */
export function draftReadyEmail(f: {
  quarter: string;
  /** The quarter's drafts in the order rendered: a second one follows a request for changes. */
  number: number;
  eventCount: number;
  publicUrl: string | null;
}): { subject: string; text: string } {
  const phrase = forQuarter(f.quarter);
  return {
    subject: `Готов черновик сводного отчета ${phrase}`,
    text:
      `Готов черновик сводного отчета о мероприятиях в международной сфере ${phrase}.\n` +
      (f.number > 1 ? `Это черновик № ${f.number}: сведения пересобраны после доработки.\n` : '') +
      (f.number > 1 ? `Это черновик № ${f.number}: сведения пересобраны после доработки.\n` : '') +
      'Проверьте его: подпишите отчет или верните сведения муниципальным образованиям на доработку.\n' +
      `Мероприятий в черновике: ${f.eventCount}.\n` +
      (f.publicUrl
        ? `Проверить и подписать: ${f.publicUrl}/quarters/${f.quarter}\n`
        : `Скачать: npx svodka report draft ${f.quarter} --out черновик.docx\n`),
  };
}

/** «Отчет подписан»: the quarter's final report, signed off. */
export function signedOffEmail(f: {
  quarter: string;
  signer: string | null;
  position: string | null;
  eventCount: number;
  sha256: string;
  publicUrl: string | null;
}): { subject: string; text: string } {
  const phrase = forQuarter(f.quarter);
  const who = f.signer ? `${f.signer}${f.position ? `, ${f.position}` : ''}` : 'подписант не указан';
  return {
    subject: `Сводный отчет ${phrase} подписан`,
    text:
      `Сводный отчет о мероприятиях в международной сфере ${phrase} подписан (${who}).\n` +
      `Мероприятий в отчете: ${f.eventCount}. SHA-256 файла: ${f.sha256}\n` +
      (f.publicUrl ? `Отчет и манифест подписания: ${f.publicUrl}/quarters/${f.quarter}\n` : ''),
  };
}
