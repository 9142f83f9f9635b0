// The child of render-process.ts: receives one report model, answers with its DOCX, and exits.
import { renderReport } from './render';
import type { ReportModel } from '../../domain/types';
import type { RenderReply } from './render-process';

process.once('message', (model: ReportModel) => {
  renderReport(model)
    .then(
      (bytes): RenderReply => ({ ok: true, bytes, maxRssKb: process.resourceUsage().maxRSS }),
      (err: unknown): RenderReply => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    )
    .then((reply) => process.send!(reply, () => process.exit(0)));
});
