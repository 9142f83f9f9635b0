// A large report is read and rendered in a short-lived process of its own. Its working set (a
// 20,000-row report: the rows from the database, the model and the render; that process peaks at
// ~420 MB with its modules) is then not added to the worker's, which at national scale already
// holds its workflow cache; and the OS takes it back the moment the process ends, where a heap in
// the worker's process would keep it. A small report (a region's 65 events) is read and rendered
// in place: a process start would cost more than the work.
import { fork } from 'node:child_process';
import path from 'node:path';
import { plural } from '../../domain/text';
import type { ReportModel } from '../../domain/types';
import type { RenderRequest } from '../../workflows/api';
import { databaseUrlOf } from '../db/client';
import type { Db } from '../db/client';
import { reportEventsAtMost, reportModel } from '../report-model';
import { renderReport } from './render';

const runner = path.resolve(import.meta.dirname, '../../bin/run.js');
const script = path.resolve(import.meta.dirname, 'render-child.ts');

/** From this many events on, the report is rendered in a process of its own. */
export function renderProcessThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SVODKA_RENDER_PROCESS_EVENTS?.trim();
  if (!raw) return 2_000;
  const events = Number(raw);
  if (!Number.isInteger(events) || events < 0)
    throw new Error(`SVODKA_RENDER_PROCESS_EVENTS: ожидается целое число событий, получено «${raw}»`);
  return events;
}

/** A national report renders in seconds (bench section 3); a child silent this long is stuck. */
const RENDER_TIMEOUT_MS = 5 * 60_000;
/** The child's own heap ceiling: the worker's 384 MB (worker/node-flags.ts) is for the worker. */
const CHILD_HEAP_MB = 1_024;

/** What the child is asked: render this model, or read the report's model from the database and render it. */
export type RenderJob =
  { kind: 'render'; model: ReportModel } | { kind: 'compile'; databaseUrl: string; request: RenderRequest };

/** The child's answer; maxRssKb is its own peak resident set (getrusage), for the bench. */
export type RenderReply =
  { ok: true; bytes: Uint8Array; eventCount: number; maxRssKb: number } | { ok: false; error: string };

export type RenderedReport = { bytes: Buffer; eventCount: number };

let childPeakKb = 0;
/** The largest peak resident set of a render process this process has started, MB (0: none yet). */
export function renderChildPeakRssMb(): number {
  return Math.round(childPeakKb / 1024);
}

/**
 * The requested report's DOCX and its event count. A large one is read from the database and
 * rendered in a child process, which opens the database itself; a client opened otherwise than by
 * createDb (a test's stand-in) has no URL to give it, and its large report is read here and rendered
 * in the child.
 */
export async function renderRequestedReport(
  db: Db,
  request: RenderRequest,
  threshold = renderProcessThreshold(),
): Promise<RenderedReport> {
  const databaseUrl = databaseUrlOf(db);
  if (databaseUrl && (await reportEventsAtMost(db, request)) >= threshold)
    return runChild({ kind: 'compile', databaseUrl, request }, `отчет за ${request.quarter}`);
  const model = await reportModel(db, request);
  return { bytes: await renderReportBounded(model, threshold), eventCount: model.eventCount };
}

/** The report's DOCX: in place when small, in a child process when large. */
export async function renderReportBounded(
  model: ReportModel,
  threshold = renderProcessThreshold(),
): Promise<Buffer> {
  if (model.eventCount < threshold) return renderReport(model);
  return renderInChild(model);
}

export async function renderInChild(model: ReportModel): Promise<Buffer> {
  const events = `${model.eventCount} ${plural(model.eventCount, ['мероприятие', 'мероприятия', 'мероприятий'])}`;
  return (await runChild({ kind: 'render', model }, `отчет (${events})`)).bytes;
}

/** Runs one job in a fresh child; `report` names the report in the error («отчет за 2023-Q2»). */
function runChild(job: RenderJob, report: string): Promise<RenderedReport> {
  return new Promise<RenderedReport>((resolve, reject) => {
    const child = fork(runner, [script], {
      execArgv: [`--max-old-space-size=${CHILD_HEAP_MB}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: RenderReply | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, RENDER_TIMEOUT_MS);
    child.once('message', (m: RenderReply) => {
      reply = m;
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply?.ok) {
        childPeakKb = Math.max(childPeakKb, reply.maxRssKb);
        const bytes = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength);
        return resolve({ bytes, eventCount: reply.eventCount });
      }
      const why =
        reply && !reply.ok ? reply.error : `процесс завершился (${signal ?? `код ${code}`}) без ответа`;
      reject(new Error(`Не удалось сформировать ${report}: ${why}`));
    });
    child.send(job);
  });
}
