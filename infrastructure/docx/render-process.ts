// A large report is rendered in a short-lived process of its own. Its working set (a 20,000-row
// report takes ~130 MB beyond the modules) is then not added to the worker's, which at national
// scale already holds its workflow cache; and the OS takes it back the moment the render ends,
// where a heap in the worker's process would keep it. A small report (a region's 65 events) is
// rendered in place: a process start would cost more than the render.
import { fork } from 'node:child_process';
import path from 'node:path';
import { plural } from '../../domain/text';
import type { ReportModel } from '../../domain/types';
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

/** The child's answer; maxRssKb is its own peak resident set (getrusage), for the bench. */
export type RenderReply = { ok: true; bytes: Uint8Array; maxRssKb: number } | { ok: false; error: string };

let childPeakKb = 0;
/** The largest peak resident set of a render process this process has started, MB (0: none yet). */
export function renderChildPeakRssMb(): number {
  return Math.round(childPeakKb / 1024);
}

/** The report's DOCX: in place when small, in a child process when large. */
export async function renderReportBounded(
  model: ReportModel,
  threshold = renderProcessThreshold(),
): Promise<Buffer> {
  if (model.eventCount < threshold) return renderReport(model);
  return renderInChild(model);
}

export function renderInChild(model: ReportModel): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
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
        return resolve(Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength));
      }
      const why =
        reply && !reply.ok ? reply.error : `процесс завершился (${signal ?? `код ${code}`}) без ответа`;
      const events = `${model.eventCount} ${plural(model.eventCount, ['мероприятие', 'мероприятия', 'мероприятий'])}`;
      reject(new Error(`Не удалось сформировать отчет (${events}): ${why}`));
    });
    child.send(model);
  });
}
