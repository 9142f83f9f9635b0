// The production topology (`npm run topology`: PostgreSQL, the Go-built Temporal server on it behind
// mTLS, two workers, the portal, the email poller, an SMTP relay and Dovecot, each a process of its
// own) driven through a whole quarter as its users would: requests out by SMTP; answers through the
// portal (the link in the request email) and by email reply over IMAP, and by the CLI; a rejection
// and its correction; reminders on a compressed clock for the two who stay silent; sign-off with the
// CLI. Midway one worker is killed with SIGKILL (the other carries on alone), the Temporal server
// process is restarted, and the worker comes back. At the end every answer is stored once, every
// email went out once (by Message-ID), and the signed report is the official one.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { moscowDate } from '../../domain/schedule';
import { startTopology } from '../../scripts/topology/index';
import type { Topology } from '../../scripts/topology/index';
import { quarterWorkflowId, statusQuery } from '../../workflows/api';
import type { QuarterStatus } from '../../workflows/api';
import { temporalTls } from '../../client/temporal-tls';
import { hiddenValue, multipartBody } from '../e2e/fakes';
import { pdfFile, wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import { expectOfficialReport } from '../support/official-report';
import { rfc822 } from '../support/rfc822';

const Q = '2023-Q2';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const repoRoot = path.resolve(import.meta.dirname, '../..');

type Mail = {
  file: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  replyTo: string;
  attachments: { filename: string; content: Buffer }[];
};

const reference = loadReference();
const WITH_EVENTS = reference.sections.map((s) => s.code);
/** Answer by email reply over IMAP; the other five with events upload through the portal. */
const BY_EMAIL = WITH_EVENTS.filter((c) => c !== 'vyazma').slice(0, 3);
const BY_PORTAL = WITH_EVENTS.filter((c) => !BY_EMAIL.includes(c));
const NIL = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter((c) => !WITH_EVENTS.includes(c));
/** Silent until reminded. */
const LATE = NIL.slice(-2);
/** Two by the CLI (a process each: costly on a busy machine), the rest through the portal. */
const NIL_CLI = NIL.filter((c) => !LATE.includes(c)).slice(0, 2);
const NIL_PORTAL = NIL.filter((c) => !LATE.includes(c) && !NIL_CLI.includes(c));

describe('the production topology, process by process', () => {
  let topology: Topology;
  let db: Db;
  let dir: string;
  let connection: Connection;
  let client: Client;
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  const say = (line: string) => console.log(`[topology test ${at()}] ${line}`);
  const parsed = new Map<string, Mail>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-topology-'));
    // PostgreSQL and Dovecot run as their own users and must walk into the state directory.
    chmodSync(dir, 0o755);
    topology = await startTopology({
      stateDir: path.join(dir, 'state'),
      imapIntervalMs: 500,
      log: (line) => say(line),
    });
    db = await createDb(topology.databaseUrl);
    connection = await Connection.connect({
      address: topology.temporalAddress,
      tls: temporalTls(topology.env),
    });
    client = new Client({ connection });
  }, 1_800_000);

  afterAll(async () => {
    await connection?.close();
    await db?.$disconnect();
    await topology?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`[topology test] всего: ${((Date.now() - t0) / 1000).toFixed(1)} с`);
  });

  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(repoRoot, 'bin/svodka.js'), ...args],
        { cwd: repoRoot, env: { ...topology.env, SVODKA_ACTOR: 'coordinator' }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  async function mails(): Promise<Mail[]> {
    for (const file of readdirSync(topology.mailDir).sort()) {
      if (parsed.has(file)) continue;
      const m = await simpleParser(readFileSync(path.join(topology.mailDir, file)));
      const to = m.to ? (Array.isArray(m.to) ? m.to : [m.to]) : [];
      parsed.set(file, {
        file,
        to: to.flatMap((a) => a.value.map((v) => v.address ?? '')).join(','),
        subject: m.subject ?? '',
        text: m.text ?? '',
        messageId: m.messageId ?? '',
        replyTo: m.replyTo?.value[0]?.address ?? '',
        attachments: m.attachments.map((a) => ({ filename: a.filename ?? '', content: a.content })),
      });
    }
    return [...parsed.values()];
  }

  async function waitMail(what: string, predicate: (all: Mail[]) => boolean, timeoutMs = 120_000) {
    const until = Date.now() + timeoutMs;
    while (!predicate(await mails())) {
      if (Date.now() > until) throw new Error(`почта: не дождался «${what}» (${parsed.size} писем)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The quarter's status, queried over mTLS as the portal does (a CLI process a second is too dear). */
  async function waitStatus(what: string, predicate: (s: QuarterStatus) => boolean, timeoutMs = 180_000) {
    const until = Date.now() + timeoutMs;
    let last: QuarterStatus | null = null;
    for (;;) {
      try {
        last = await client.workflow.getHandle(quarterWorkflowId(Q)).query(statusQuery);
        if (predicate(last)) return last;
      } catch {
        // Temporal restarting: ask again.
      }
      if (Date.now() > until)
        throw new Error(`${what}: ${JSON.stringify(last?.municipalities.map((m) => [m.code, m.state]))}`);
      await new Promise((res) => setTimeout(res, 1_000));
    }
  }

  const requestOf = (all: Mail[], code: string) => {
    const email = SMOLENSK_MUNICIPALITIES.find((m) => m.code === code)!.email;
    const found = all.filter((m) => m.subject.startsWith('Запрос сведений') && m.to === email);
    expect(found, `one request to ${code}`).toHaveLength(1);
    return found[0]!;
  };
  const tokenOf = (request: Mail) => {
    const m = new RegExp(`${topology.portalUrl}/m/([A-Za-z0-9_-]+)`).exec(request.text);
    expect(m, 'the request carries the portal link').toBeTruthy();
    return m![1]!;
  };

  async function portalForm(token: string): Promise<string> {
    const page = await fetch(`${topology.portalUrl}/m/${token}`);
    expect(page.status).toBe(200);
    return hiddenValue(await page.text(), '_csrf');
  }
  async function portalUpload(token: string, fileName: string, bytes: Uint8Array): Promise<string> {
    const { payload, headers } = multipartBody(
      { _csrf: await portalForm(token) },
      { name: 'file', fileName, bytes, type: DOCX },
    );
    const res = await fetch(`${topology.portalUrl}/m/${token}/upload`, {
      method: 'POST',
      body: payload,
      headers,
      redirect: 'manual',
    });
    expect(res.status, await res.clone().text()).toBe(303);
    // The receipt refreshes itself until the inbox has delivered the answer; then its version.
    const receipt = new URL(res.headers.get('location')!, topology.portalUrl);
    const until = Date.now() + 60_000;
    for (;;) {
      const page = await fetch(receipt, { redirect: 'manual' });
      if (page.status === 303) return (await fetch(new URL(page.headers.get('location')!, receipt))).text();
      if (page.status !== 200 || Date.now() > until) return page.text();
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  async function portalNil(token: string): Promise<void> {
    const res = await fetch(`${topology.portalUrl}/m/${token}/nil`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: await portalForm(token), confirm: 'yes' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
  }
  async function emailReply(code: string, request: Mail, bytes: Uint8Array): Promise<void> {
    await topology.imap.append(
      rfc822({
        from: SMOLENSK_MUNICIPALITIES.find((m) => m.code === code)!.email,
        to: request.replyTo,
        subject: `Re: ${request.subject}`,
        messageId: `<reply.${code}@mo.example.ru>`,
        text: 'Направляем сведения за квартал.',
        attachment: { filename: `${code}.docx`, content: bytes },
      }),
    );
  }

  it('refuses a Temporal client without the certificate', { timeout: 60_000 }, async () => {
    const refused = async (tls: TLSConfig | undefined) => {
      try {
        const c = await Connection.connect({ address: topology.temporalAddress, tls, connectTimeout: 3_000 });
        try {
          await c.workflowService.getSystemInfo({});
        } finally {
          await c.close();
        }
        return false;
      } catch {
        return true;
      }
    };
    const ca = readFileSync(topology.certs.ca);
    expect(await refused(undefined), 'plaintext').toBe(true);
    expect(
      await refused({ serverRootCACertificate: ca, serverNameOverride: 'temporal' }),
      'no client certificate',
    ).toBe(true);
    // And the same client with its certificate is let in: the refusals above are the frontend's.
    const pair = {
      crt: readFileSync(topology.certs.clientCert),
      key: readFileSync(topology.certs.clientKey),
    };
    expect(
      await refused({ serverRootCACertificate: ca, serverNameOverride: 'temporal', clientCertPair: pair }),
    ).toBe(false);
  });

  it(
    'runs a quarter to sign-off through a worker kill and a Temporal restart',
    { timeout: 900_000 },
    async () => {
      const started = Date.now();
      const files = new Map<string, Uint8Array>();
      for (const s of reference.sections)
        files.set(s.code, await wordSubmission({ rows: s.rows.map((r) => r.row) }));

      // A policy day lasts two seconds and the deadline is a month away: the first reminders come
      // about a minute in, after everyone but the two silent ones has answered.
      const deadline = moscowDate(Date.now() + 30 * 86_400_000);
      const start = await cli(['quarter', 'start', Q, '--deadline', deadline, '--time-scale', '43200']);
      expect(start.code, start.stderr).toBe(0);
      await waitMail(
        '27 запросов',
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === 27,
      );
      const all = await mails();
      for (const m of SMOLENSK_MUNICIPALITIES) {
        const request = requestOf(all, m.code);
        expect(request.attachments.some((a) => a.filename.endsWith('.docx'))).toBe(true);
        expect(request.replyTo).toMatch(/^svodka\+[A-Za-z0-9_-]{43}@svodka\.example\.ru$/);
      }
      const token = (code: string) => tokenOf(requestOf(all, code));
      say('27 запросов ушли по SMTP');

      // Round one, with both workers: a file that is not a Word document (rejected), uploads, replies
      // by email, «не проводились» through the portal and the CLI.
      const rejected = await portalUpload(token('vyazma'), 'сведения.docx', pdfFile());
      expect(rejected).toContain('Сведения не приняты. Исправьте и отправьте снова.');
      const firstHalf = BY_PORTAL.filter((c) => c !== 'vyazma').slice(0, 2);
      await Promise.all([
        ...firstHalf.map((c) => portalUpload(token(c), `${c}.docx`, files.get(c)!)),
        ...BY_EMAIL.slice(0, 2).map((c) => emailReply(c, requestOf(all, c), files.get(c)!)),
        ...NIL_PORTAL.slice(0, 4).map((c) => portalNil(token(c))),
        cli(['submit', Q, NIL_CLI[0]!, '--nil']).then((r) => expect(r.code, r.stderr).toBe(0)),
      ]);
      const roundOne = [...firstHalf, ...BY_EMAIL.slice(0, 2), ...NIL_PORTAL.slice(0, 4), NIL_CLI[0]!];
      await waitStatus('первый круг принят', (s) =>
        roundOne.every((c) => s.municipalities.find((m) => m.code === c)?.state === 'accepted'),
      );
      say(`первый круг: ${roundOne.length} ответов приняты, Вязьма отклонена`);

      // One worker dies without warning; the other carries the quarter alone.
      await topology.processes['svodka-worker-1']!.stop('SIGKILL');
      say('svodka-worker-1 убит (SIGKILL)');
      const secondHalf = BY_PORTAL.filter((c) => c !== 'vyazma' && !firstHalf.includes(c));
      const corrected = await portalUpload(token('vyazma'), 'вязьма-исправлено.docx', files.get('vyazma')!);
      expect(corrected).toMatch(/Сведения приняты: \d+ мероприят/);
      await Promise.all([
        ...secondHalf.map((c) => portalUpload(token(c), `${c}.docx`, files.get(c)!)),
        ...NIL_PORTAL.slice(4, 10).map((c) => portalNil(token(c))),
      ]);
      say('Вязьма исправила файл; ответы принимает один worker');

      // The Temporal server process restarts; workers, portal and poller reconnect on their own.
      const restartStarted = Date.now();
      await topology.processes.temporal!.restart();
      say(`Temporal server перезапущен за ${((Date.now() - restartStarted) / 1000).toFixed(1)} с`);
      await topology.processes['svodka-worker-1']!.restart();
      say('svodka-worker-1 снова в работе');

      await Promise.all([
        ...BY_EMAIL.slice(2).map((c) => emailReply(c, requestOf(all, c), files.get(c)!)),
        ...NIL_PORTAL.slice(10).map((c) => portalNil(token(c))),
        cli(['submit', Q, NIL_CLI[1]!, '--nil']).then((r) => expect(r.code, r.stderr).toBe(0)),
      ]);
      const answered = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter((c) => !LATE.includes(c));
      await waitStatus('все, кроме двух, приняты', (s) =>
        answered.every((c) => s.municipalities.find((m) => m.code === c)?.state === 'accepted'),
      );
      say('25 из 27 приняты; двое молчат');

      // The silent two are reminded on the compressed clock, then answer.
      await waitMail(
        'напоминания молчащим',
        (m) =>
          LATE.every((c) =>
            m.some(
              (x) =>
                x.to === SMOLENSK_MUNICIPALITIES.find((y) => y.code === c)!.email &&
                x.messageId.includes('.reminder.'),
            ),
          ),
        240_000,
      );
      say('напоминания получены');
      for (const c of LATE) await portalNil(token(c));

      const ready = await waitStatus('проект готов к подписи', (s) => s.phase === 'awaiting_approval');
      expect(ready.municipalities.map((m) => m.state)).toEqual(Array(27).fill('accepted'));
      const finalFile = path.join(dir, 'final.docx');
      const approve = await cli([
        'report',
        'approve',
        Q,
        '--signer',
        'И. И. Иванов',
        '--position',
        'Начальник департамента',
        '--out',
        finalFile,
      ]);
      expect(approve.code, approve.stderr).toBe(0);
      say('отчет подписан');

      // The signed report is the official one, cell by cell, and verifies with the region's key.
      expectOfficialReport(readFileSync(finalFile));
      const verify = await cli(['report', 'verify', finalFile]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      // The sign-off manifest beside the DOCX, signed with the workers' key, describes this very file.
      expect(verify.stdout).toContain('Манифест подписан ключом Svodka и описывает этот файл');

      // Every answer stored once: one version each (Вязьма: the rejected file and its correction),
      // one upload per file sent, one submission per email reply.
      await waitStatus('квартал утвержден', (s) => s.phase === 'approved');
      // The coordinator's view, through the CLI over mTLS.
      const statusCli = await cli(['quarter', 'status', Q, '--json']);
      expect(statusCli.code, statusCli.stderr).toBe(0);
      const final = JSON.parse(statusCli.stdout) as QuarterStatus;
      expect(final.phase).toBe('approved');
      for (const m of final.municipalities) expect(m.versions, m.code).toBe(m.code === 'vyazma' ? 2 : 1);
      const submissions = await db.submission.groupBy({
        by: ['municipality'],
        where: { quarter: Q },
        _count: true,
      });
      expect(submissions).toHaveLength(27);
      for (const s of submissions) expect(s._count, s.municipality).toBe(s.municipality === 'vyazma' ? 2 : 1);
      const uploads = await db.upload.findMany({ where: { quarter: Q } });
      expect(
        uploads
          .filter((u) => u.channel === 'web')
          .map((u) => u.municipality)
          .sort(),
      ).toEqual([...BY_PORTAL, 'vyazma'].sort());
      expect(
        uploads
          .filter((u) => u.channel === 'email')
          .map((u) => u.municipality)
          .sort(),
      ).toEqual([...BY_EMAIL].sort());
      const inbound = await db.inboundMail.findMany();
      expect(inbound.map((i) => [i.municipality, i.status]).sort()).toEqual(
        BY_EMAIL.map((c) => [c, 'submitted']).sort(),
      );
      expect(
        await db.submissionRow.count({ where: { submission: { quarter: Q, status: 'accepted' } } }),
      ).toBe(65);

      // Every email went out once: no Message-ID twice at the relay, and exactly the outbox's.
      await waitMail('итоговый отчет разослан', (m) => m.some((x) => x.subject.includes('подписан')));
      const sent = await mails();
      const ids = sent.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      const outbox = await db.emailOutbox.findMany({ where: { status: 'sent' } });
      expect(new Set(ids)).toEqual(new Set(outbox.map((o) => o.messageId)));
      const finalMail = sent.find((m) => m.subject.includes('подписан'))!;
      expect(finalMail.attachments[0]?.content.equals(readFileSync(finalFile))).toBe(true);
      writeFileSync(path.join(dir, 'mail-count.txt'), String(sent.length));
      say(
        `писем: ${sent.length} (запросов 27, напоминаний ${sent.filter((m) => m.messageId.includes('.reminder.')).length}); ` +
          `квартал от запуска до подписи за ${((Date.now() - started) / 1000).toFixed(0)} с`,
      );
    },
  );
});
