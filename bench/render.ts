// Section 3: rendering the consolidated DOCX for 65, 10,000 and 100,000 events, each render in a
// fresh process (bench/render-child.ts) for a clean peak RSS, against docxtemplater filling an
// equivalent template with the same rows in a process of its own.
import { childMain, log, median, profileArgs, runChildResult } from './lib';
import type { Row } from './lib';
import type { RenderMeasure } from './render-child';

type Outcome = { m: RenderMeasure | null; error: string | null };

async function measure(engine: 'svodka' | 'docxtemplater', events: number, repeats: number, timeoutMs: number): Promise<Outcome> {
  try {
    const m = await runChildResult<RenderMeasure>('bench/render-child.ts', [engine, String(events), String(repeats)], {
      timeoutMs,
      execArgv: engine === 'svodka' ? profileArgs(`render-${events}`) : [],
    });
    log(`render ${engine} ${events}: ${m.runsMs.map(Math.round).join(', ')} ms, peak ${m.peakRssMb} MB (rows built: ${m.baseRssMb} MB)`);
    return { m, error: null };
  } catch (err) {
    log(`render ${engine} ${events}: ${String(err)}`);
    return { m: null, error: String((err as Error).message ?? err).split('\n')[0]!.slice(0, 200) };
  }
}

await childMain(async (): Promise<Row[]> => {
  const rows: Row[] = [];
  const section = '3. Rendering the DOCX';
  for (const [events, repeats, timeoutMs] of [
    [65, 7, 60_000],
    [10_000, 3, 180_000],
    [100_000, 1, 300_000],
  ] as const) {
    const s = await measure('svodka', events, repeats, timeoutMs);
    const d = await measure('docxtemplater', events, events === 65 ? repeats : 1, timeoutMs);
    const sMs = s.m ? median(s.m.runsMs) : null;
    const dMs = d.m ? median(d.m.runsMs) : null;
    const ratio = sMs !== null && dMs !== null ? sMs / dMs : null;
    const label = events.toLocaleString('en');
    const time: Row = {
      section,
      measure: `renderReport, ${label} events: time`,
      value: sMs,
      unit: 'ms',
      display: s.error ? `failed: ${s.error}` : undefined,
      peer: { name: 'docxtemplater, same rows', value: dMs, unit: 'ms', display: d.error ? `failed: ${d.error}` : undefined },
      ratio,
      runs: s.m?.runsMs.map(Math.round),
    };
    if (events === 65) {
      time.target = '< 200 ms';
      time.met = sMs !== null && sMs < 200;
      time.note = `median of ${repeats} in one process; first call ${Math.round(s.m?.runsMs[0] ?? NaN)} ms (docxtemplater first ${Math.round(d.m?.runsMs[0] ?? NaN)} ms)`;
    } else if (events === 100_000) {
      time.target = '< 30 s, ≤ docxtemplater';
      time.met = sMs !== null && sMs < 30_000 && (dMs === null ? !d.error : sMs <= dMs);
    } else {
      time.note = `median of ${repeats} in one process; docxtemplater one run`;
    }
    rows.push(time);
    rows.push({
      section,
      measure: `renderReport, ${label} events: peak RSS of the process`,
      value: s.m?.peakRssMb ?? null,
      unit: 'MB',
      display: s.error ? 'failed' : undefined,
      peer: { name: 'docxtemplater', value: d.m?.peakRssMb ?? null, unit: 'MB', display: d.error ? 'failed' : undefined },
      ratio: s.m && d.m ? s.m.peakRssMb / d.m.peakRssMb : null,
      target: events === 100_000 ? '< 1 GB' : undefined,
      met: events === 100_000 ? (s.m ? s.m.peakRssMb < 1024 : false) : undefined,
      note: `RSS with modules loaded and rows built, before rendering: ${s.m?.baseRssMb ?? '—'} MB (docxtemplater ${d.m?.baseRssMb ?? '—'} MB); output ${s.m ? Math.round(s.m.bytes / 1024) : '—'} KiB (docxtemplater ${d.m ? Math.round(d.m.bytes / 1024) : '—'} KiB)`,
    });
  }
  return rows;
});
