// `svodka quarter start|status|extend|excuse|remind|reopen|close`.
import type { Command } from 'commander';
import { compareVersions } from '../../../application/compare-versions';
import { runCli } from '../use-case';
import { PHASE_LABELS, STATE_LABELS } from '../../../domain/labels';
import { COLUMN_TITLES } from '../../../domain/validate';
import { plural } from '../../../domain/text';
import { workingDaysLeftText } from '../../calendar';
import { WorkflowNotFoundError } from '@temporalio/client';
import { archivedQuarterStatus } from '../../../infrastructure/quarter-archive';
import { closeCollection } from '../../../application/close-collection';
import { excuse } from '../../../application/excuse';
import { extendDeadline } from '../../../application/extend-deadline';
import { remind } from '../../../application/remind';
import { reopen } from '../../../application/reopen';
import { startQuarter } from '../../../application/start-quarter';
import { exportStatus } from './report-export';
import { fullStatus, readQuarterView, temporalSource } from '../../../application/quarter-status';
import type { QuarterView } from '../../../application/quarter-status';
import { timelinessText } from '../../../domain/timeliness';
import { describePolicy } from '../../../domain/policy-options';
import { policyOptions } from './policy-options';
import type { PolicyFlags } from './policy-options';
import { russianDate } from '../../../domain/emails';
import { DEFAULT_GROUP_SIZE, quarterWorkflowId, statusQuery } from '../../../workflows/api';
import type { MunicipalitySummary, QuarterStatus, SubmissionState } from '../../../workflows/api';
import {
  explainTemporalError,
  getClient,
  getDb,
  municipalityArg,
  positiveInt,
  printJson,
  quarterArg,
  REQUEST_ID_HELP,
  requestIdOption,
  run,
} from '../context';

export { STATE_LABELS };

/** The quarter's status from its workflow; once Temporal has forgotten it, as archived at sign-off. */
export async function fetchStatus(quarter: string): Promise<QuarterStatus> {
  const client = await getClient();
  try {
    return await client.workflow.getHandle(quarterWorkflowId(quarter)).query(statusQuery);
  } catch (err) {
    const archived =
      err instanceof WorkflowNotFoundError ? await archivedQuarterStatus(await getDb(), quarter) : null;
    if (archived) return archived;
    throw await explainTemporalError(err, quarter);
  }
}

export function printStatus(
  status: QuarterStatus,
  names: Map<string, string>,
  daysLeft: string | null = null,
  view: QuarterView | null = null,
): void {
  const counts = Object.entries(status.counts) as [SubmissionState, number][];
  const settled = counts
    .filter(([state]) => ['accepted', 'excused', 'not_submitted'].includes(state))
    .reduce((n, [, k]) => n + k, 0);
  console.log(
    `Квартал ${status.quarter}: ${PHASE_LABELS[status.phase]}${status.closed ? ' (сбор закрыт)' : ''}`,
  );
  console.log(
    `Срок: ${russianDate(status.deadline)}${status.timeScale !== 1 ? `; ускорение времени ×${status.timeScale}` : ''}${daysLeft ? `; ${daysLeft.toLowerCase()}` : ''}`,
  );
  console.log(
    `Готово ${settled} из ${status.total}: ${counts.map(([s, n]) => `${STATE_LABELS[s]} — ${n}`).join(', ')}`,
  );
  if (view?.timeliness.share != null)
    console.log(
      `В срок: ${Math.round(view.timeliness.share * 100)} % (в срок — ${view.timeliness.onTime}, с опозданием — ${view.timeliness.late}, нет ответа после срока — ${view.timeliness.missing})`,
    );
  if (status.groups > 0)
    console.log(
      `Регион большой: МО собраны в ${status.groups} ${plural(status.groups, ['группу', 'группы', 'групп'])}.`,
    );
  console.log('');
  const nameWidth = Math.min(
    34,
    Math.max(...status.municipalities.map((m) => (names.get(m.code) ?? m.code).length)),
  );
  console.log(
    `${'Муниципальное образование'.padEnd(nameWidth)}  ${'Состояние'.padEnd(15)}  Напом.  Версии  Строк  Замеч.${view ? '  Своевременность' : ''}`,
  );
  const timeliness = new Map(view?.rows.map((r) => [r.code, timelinessText(r.timeliness)]));
  for (const m of status.municipalities) {
    const name = (names.get(m.code) ?? m.code).slice(0, nameWidth).padEnd(nameWidth);
    const rows = m.state === 'accepted' ? (m.nil ? 'нет' : String(m.rowCount)) : '';
    const t = timeliness.get(m.code);
    console.log(
      `${name}  ${STATE_LABELS[m.state].padEnd(15)}  ${String(m.reminders + m.escalations).padStart(6)}  ${String(m.versions).padStart(6)}  ${rows.padStart(5)}  ${(m.warnings ? String(m.warnings) : '').padStart(6)}${t ? `  ${t}` : ''}`,
    );
  }
  if (status.finalReportId) console.log(`\nИтоговый отчет: SHA-256 ${status.finalSha256}`);
  else if (status.draftReportId)
    console.log(`\nПроект отчета готов: npx svodka report draft ${status.quarter} --out проект.docx`);
}

export function registerQuarterCommands(program: Command): void {
  const quarter = program
    .command('quarter')
    .description('сбор сведений за квартал: запуск, состояние, решения координатора');

  quarter
    .command('start')
    .description('запустить сбор сведений за квартал (повторный запуск ничего не дублирует)')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .option(
      '--deadline <date>',
      'последний день приема сведений, ГГГГ-ММ-ДД (по умолчанию 10-е число месяца после квартала)',
    )
    .option(
      '--time-scale <n>',
      'ускорить все сроки политики в N раз (86400: сутки за секунду) — для демонстраций и тестов',
      positiveInt,
      1,
    )
    .option(
      '--group-size <n>',
      `для больших регионов: сколько МО в одной группе (по умолчанию ${DEFAULT_GROUP_SIZE}; регион не больше группы идет без групп)`,
      positiveInt,
    )
    .option('--json', 'вывод в JSON')
    .option('--request-id <id>', REQUEST_ID_HELP)
    .addOption(policyOptions.remindBefore())
    .addOption(policyOptions.overdueEvery())
    .addOption(policyOptions.escalateAfter())
    .action(
      async (
        quarterText: string,
        opts: {
          deadline?: string;
          region?: string;
          timeScale: number;
          groupSize?: number;
          json?: boolean;
          requestId?: string;
        } & PolicyFlags,
      ) => {
        const result = await run(
          startQuarter,
          {
            quarter: quarterText,
            region: opts.region,
            deadline: opts.deadline,
            timeScale: opts.timeScale,
            groupSize: opts.groupSize,
            policy: {
              remindBefore: opts.remindBefore,
              overdueEvery: opts.overdueEvery,
              escalateAfter: opts.escalateAfter,
            },
            requestId: opts.requestId,
          },
          quarterText,
        );
        if (opts.json) return printJson(result);
        const q = result.quarter;
        if (result.started) {
          console.log(
            `Сбор сведений за ${q} запущен: ${result.municipalities} муниципальных образований, срок — ${russianDate(result.deadline)}.`,
          );
          console.log(`Напоминания: ${describePolicy(result.policy)}.`);
          console.log(`Запросы уходят по почте. Состояние: npx svodka quarter status ${q}`);
          if (result.calendarWarning) console.log(`\n${result.calendarWarning}`);
        } else {
          console.log(
            `Сбор сведений за ${q} уже был запущен — второй не начат. Состояние: npx svodka quarter status ${q}`,
          );
        }
      },
    );

  quarter
    .command('status')
    .description('состояние каждого муниципального образования: ответ, напоминания, версии')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .option('--json', 'вывод в JSON')
    .option('--xlsx <file>', 'записать таблицу состояния в Excel (.xlsx)')
    .option('--csv <file>', 'записать таблицу состояния в CSV (UTF-8, «;»)')
    .action(async (quarterText: string, opts: { json?: boolean; xlsx?: string; csv?: string }) => {
      const q = await quarterArg(quarterText);
      const db = await getDb();
      // Every municipality, flat or tree, through the portal's read model: one shape of the status.
      const view = await readQuarterView(
        { db, source: temporalSource(await getClient()), clock: () => new Date() },
        await fetchStatus(q),
        { quarter: q, pageSize: 0 },
      );
      const status = fullStatus(view);
      if (opts.json) return printJson(status);
      if (await exportStatus(view, opts)) return;
      const names = new Map(view.rows.map((r) => [r.code, r.name]));
      const open = status.phase === 'collecting' && !status.closed;
      printStatus(status, names, open ? await workingDaysLeftText(db, status) : null, view);
    });

  // The coordinator's decisions on one municipality: each a use case of application/; here only the
  // arguments and the sentence that says it is done. The workflow writes the audit entry.
  const decision = (
    name: string,
    description: string,
    configure: (c: Command) => Command,
    act: (target: Target, opts: Record<string, string>) => Promise<MunicipalitySummary>,
    done: (name: string, s: MunicipalitySummary, opts: Record<string, string>) => string,
  ) =>
    configure(
      quarter
        .command(name)
        .description(description)
        .argument('<quarter>', 'квартал, например 2023-Q2')
        .argument('<code>', 'код муниципального образования')
        .option('--request-id <id>', REQUEST_ID_HELP),
    ).action(async (quarterText: string, code: string, opts: Record<string, string>) => {
      const q = await quarterArg(quarterText);
      const m = await municipalityArg(code);
      const summary = await act(
        { quarter: q, municipality: m.code, requestId: requestIdOption(opts.requestId) },
        opts,
      );
      console.log(done(m.name, summary, opts));
    });

  decision(
    'extend',
    'продлить срок одному муниципальному образованию',
    (c) => c.requiredOption('--until <date>', 'новый срок, ГГГГ-ММ-ДД'),
    (target, opts) => run(extendDeadline, { ...target, until: opts.until! }, target.quarter),
    (name, s) => `${name}: срок продлен до ${russianDate(s.deadline)}.`,
  );
  decision(
    'excuse',
    'освободить от представления сведений за квартал',
    (c) => c.requiredOption('--reason <text>', 'причина'),
    (target, opts) => run(excuse, { ...target, reason: opts.reason! }, target.quarter),
    (name) => `${name}: освобождено от представления сведений.`,
  );
  decision(
    'remind',
    'отправить напоминание сейчас',
    (c) => c,
    (target) => run(remind, target, target.quarter),
    (name, s) => `${name}: напоминание отправлено (всего напоминаний: ${s.reminders}).`,
  );
  decision(
    'reopen',
    'вернуть принятые сведения на доработку с комментарием',
    (c) => c.requiredOption('--comment <text>', 'что нужно исправить'),
    (target, opts) => run(reopen, { ...target, comment: opts.comment! }, target.quarter),
    (name) => `${name}: сведения возвращены на доработку, письмо отправлено.`,
  );

  quarter
    .command('diff')
    .description('что изменилось между версиями сведений: строки добавлены, удалены, изменены')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .argument('<code>', 'код муниципального образования')
    .option('--from <n>', 'с какой версии (по умолчанию — предпоследняя)', positiveInt)
    .option('--to <n>', 'по какую версию (по умолчанию — последняя)', positiveInt)
    .option('--json', 'вывод в JSON')
    .action(
      async (quarterText: string, code: string, opts: { from?: number; to?: number; json?: boolean }) => {
        const q = await quarterArg(quarterText);
        const m = await municipalityArg(code);
        const {
          from: a,
          to: b,
          diff,
        } = await runCli(compareVersions, {
          quarter: q,
          municipality: m.code,
          from: opts.from,
          to: opts.to,
        });
        const [from, to] = [a.version, b.version];
        if (opts.json) return printJson({ quarter: q, municipality: m.code, from, to, ...diff });
        const status = (v: typeof a) => (v.status === 'accepted' ? 'принята' : 'отклонена');
        console.log(`${m.name}, ${q}: версия ${from} (${status(a)}) → версия ${to} (${status(b)})`);
        console.log(
          `Без изменений: ${diff.unchanged}; добавлено: ${diff.added.length}; удалено: ${diff.removed.length}; изменено: ${diff.changed.length}`,
        );
        for (const r of diff.added) console.log(`  + ${r.title} — ${r.dates.replace(/\n/g, ' ')}`);
        for (const r of diff.removed) console.log(`  − ${r.title} — ${r.dates.replace(/\n/g, ' ')}`);
        for (const c of diff.changed) {
          console.log(`  ~ ${c.after.title}: ${c.columns.map((col) => COLUMN_TITLES[col]).join(', ')}`);
          for (const col of c.columns)
            console.log(
              `      было: ${c.before[col].replace(/\n/g, ' ')}\n      стало: ${c.after[col].replace(/\n/g, ' ')}`,
            );
        }
      },
    );

  quarter
    .command('close')
    .description('прекратить ожидание: кто не ответил, получит отметку «не представлено»')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .option('--request-id <id>', REQUEST_ID_HELP)
    .action(async (quarterText: string, opts: { requestId?: string }) => {
      const q = await quarterArg(quarterText);
      await run(closeCollection, { quarter: q, requestId: requestIdOption(opts.requestId) }, q);
      console.log(
        `Сбор сведений за ${q} закрыт. Не ответившие отмечены как «не представлено»; проект отчета формируется.`,
      );
    });
}

type Target = { quarter: string; municipality: string; requestId: string };
