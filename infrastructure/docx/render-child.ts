// The child of render-process.ts: receives one job, answers with the report's DOCX, and exits. A
// compile job opens the database itself (the worker's client stays in the worker) and reads the
// report's model here, so the rows and the model are this process's memory, not the worker's.
import { renderReport } from './render';
import type { ReportModel } from '../../domain/types';
import type { RenderJob, RenderReply } from './render-process';

async function modelOf(job: RenderJob): Promise<ReportModel> {
  if (job.kind === 'render') return job.model;
  const [{ createDb }, { reportModel }] = await Promise.all([
    import('../db/client'),
    import('../report-model'),
  ]);
  const db = await createDb(job.databaseUrl);
  try {
    return await reportModel(db, job.request);
  } finally {
    await db.$disconnect();
  }
}

process.once('message', (job: RenderJob) => {
  modelOf(job)
    .then(async (model) => ({ model, bytes: await renderReport(model) }))
    .then(
      ({ model, bytes }): RenderReply => ({
        ok: true,
        bytes,
        eventCount: model.eventCount,
        maxRssKb: process.resourceUsage().maxRSS,
      }),
      (err: unknown): RenderReply => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    )
    .then((reply) => process.send!(reply, () => process.exit(0)));
});
