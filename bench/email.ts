// Section 6: a request round for BENCH_EMAILS municipalities (20,000) through Svodka's pooled
// nodemailer transport (infrastructure/email/mailer.ts createMailer: pool, 5 connections) to an SMTP
// sink on loopback in another process. Each message is the real request email: composeEmail's
// subject and text, the municipality's own addresses, and a Word template attached (built once by
// buildTemplate and reused: building it is the activity's work, timed separately below).
// Floor: the same messages' bytes sent as raw SMTP (MAIL, RCPT, DATA; no pipelining) over as many
// connections as the pool has. Peer: nodemailer without a pool (a connection per message).
import net from 'node:net';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { buildTemplate } from '../infrastructure/docx/template';
import { createTemplateFactory } from '../infrastructure/docx/template-cache';
import { createMailer } from '../infrastructure/email/mailer';
import { composeEmail } from '../domain/emails';
import { quarterPhrase } from '../domain/quarter';
import { generateRegistry } from '../domain/registry/synthetic';
import type { Municipality } from '../domain/types';
import { childMain, envInt, forkTs, log, median, profiled } from './lib';
import type { Row } from './lib';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const POOL = 5;
const QUARTER = { year: 2023, quarter: 2 as const };

type Sink = { port: number; count(): Promise<number>; stop(): Promise<number> };

async function startSinkProcess(): Promise<Sink> {
  const child = forkTs('bench/smtp-sink-child.ts', []);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`SMTP sink exited (${code})`)));
  });
  const ask = (type: 'count' | 'stop') =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { count: number }) => resolve(m.count));
      child.send({ type });
    });
  return { port, count: () => ask('count'), stop: () => ask('stop') };
}

function message(m: Municipality, attachment: Buffer, i: number) {
  const { subject, text } = composeEmail('request', {
    quarter: '2023-Q2',
    quarterPhrase: quarterPhrase(QUARTER, { vo: true }),
    municipalityName: m.name,
    deadline: '2023-07-10',
    portalUrl: `https://svodka.example.ru/m/${'x'.repeat(43)}`,
  });
  return {
    from: 'Svodka <svodka@svodka.example.ru>',
    to: m.email,
    subject,
    text,
    messageId: `<2023-q2.${m.code}.request.${i}@svodka.local>`,
    headers: { 'X-Svodka-Quarter': '2023-Q2', 'X-Svodka-Municipality': m.code },
    attachments: [{ filename: `шаблон-2023-Q2-${m.code}.docx`, content: attachment, contentType: DOCX }],
  };
}

/** Sends with at most `inFlight` messages outstanding; stops at the deadline. */
async function sendAll(
  count: number,
  inFlight: number,
  deadline: number,
  send: (i: number) => Promise<unknown>,
): Promise<{ sent: number; errors: number; firstError: string | null; ms: number }> {
  let next = 0;
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (;;) {
        if (Date.now() > deadline) return;
        const i = next++;
        if (i >= count) return;
        try {
          await send(i);
          sent++;
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return { sent, errors, firstError, ms: performance.now() - started };
}

/** A minimal SMTP client: one connection, one command at a time. */
async function rawSmtpConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let buffer = '';
  let waiting: ((line: string) => void) | null = null;
  const replies: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let at: number;
    while ((at = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      // The last line of a reply: "250 …" (a continuation is "250-…").
      if (/^\d{3}( |$)/.test(line)) {
        if (waiting) {
          const w = waiting;
          waiting = null;
          w(line);
        } else replies.push(line);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const reply = () =>
    new Promise<string>((resolve) => {
      const queued = replies.shift();
      if (queued) resolve(queued);
      else waiting = resolve;
    });
  const expect = async (code: string) => {
    const line = await reply();
    if (!line.startsWith(code)) throw new Error(`SMTP: expected ${code}, got ${line}`);
  };
  const command = async (line: string, code: string) => {
    socket.write(`${line}\r\n`);
    await expect(code);
  };
  await expect('220');
  await command('EHLO bench.local', '250');
  return {
    async send(from: string, to: string, data: Buffer) {
      await command(`MAIL FROM:<${from}>`, '250');
      await command(`RCPT TO:<${to}>`, '250');
      await command('DATA', '354');
      socket.write(data);
      socket.write('\r\n.\r\n');
      await expect('250');
    },
    async close() {
      socket.write('QUIT\r\n');
      socket.end();
    },
  };
}

/** The message as it goes on the wire, dot-stuffed for DATA. */
async function wireBytes(mail: ReturnType<typeof message>): Promise<Buffer> {
  const raw = await new MailComposer(mail).compile().build();
  return Buffer.from(raw.toString('latin1').replace(/\r\n\./g, '\r\n..'), 'latin1');
}

await childMain(async (): Promise<Row[]> => {
  const count = Math.max(1, envInt('BENCH_EMAILS', 20_000));
  const peerCount = Math.min(count, Math.max(1, envInt('BENCH_EMAILS_UNPOOLED', 2_000)));
  const boundMs = envInt('BENCH_EMAILS_TIMEOUT_S', 300) * 1000;
  const registry = generateRegistry(count);
  const templateMs: number[] = [];
  let attachment: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    attachment = await buildTemplate({ municipality: registry[i % registry.length]!, quarter: QUARTER });
    // The first five warm the code up.
    if (i >= 5) templateMs.push(performance.now() - t);
  }
  // What the activity does since: the quarter's package built once, each municipality's copy from it.
  const factory = createTemplateFactory();
  const factoryMs: number[] = [];
  for (let i = 0; i < 205; i++) {
    const t = performance.now();
    await factory({ municipality: registry[i % registry.length]!, quarter: QUARTER });
    if (i >= 5) factoryMs.push(performance.now() - t);
  }
  const sink = await startSinkProcess();
  const url = `smtp://127.0.0.1:${sink.port}`;
  const rows: Row[] = [];
  try {
    // Svodka: the pooled transport, as the worker's activities use it (they send concurrently).
    const mailer = createMailer(url);
    const before = await sink.count();
    const pooled = await profiled('email-pooled', () =>
      sendAll(count, 50, Date.now() + boundMs, (i) => mailer.sendMail(message(registry[i]!, attachment, i))),
    );
    mailer.close?.();
    const pooledReceived = (await sink.count()) - before;
    log(`email pooled: ${pooled.sent} in ${Math.round(pooled.ms)} ms, sink got ${pooledReceived}${pooled.firstError ? `; ${pooled.firstError}` : ''}`);

    // Floor: raw SMTP over as many connections as the pool, each sending its share one message at a
    // time; every message's bytes are built beforehand.
    const wire: Buffer[] = [];
    const composeStarted = performance.now();
    for (let i = 0; i < count; i++) wire.push(await wireBytes(message(registry[i]!, attachment, i)));
    const composeMs = (performance.now() - composeStarted) / count;
    const conns = await Promise.all(Array.from({ length: POOL }, () => rawSmtpConnection(sink.port)));
    const before2 = await sink.count();
    const started = performance.now();
    let rawSent = 0;
    let rawError: string | null = null;
    let cursor = 0;
    const deadline = Date.now() + boundMs;
    await Promise.all(
      conns.map(async (c) => {
        for (;;) {
          const i = cursor++;
          if (i >= count || Date.now() > deadline) return;
          try {
            await c.send('svodka@svodka.example.ru', registry[i]!.email, wire[i]!);
            rawSent++;
          } catch (err) {
            rawError ??= String(err);
            return;
          }
        }
      }),
    );
    const rawMs = performance.now() - started;
    await Promise.all(conns.map((c) => c.close()));
    const rawReceived = (await sink.count()) - before2;
    log(`email raw: ${rawSent} in ${Math.round(rawMs)} ms, sink got ${rawReceived}${rawError ? `; ${rawError}` : ''}`);

    // Peer: nodemailer without a pool, a connection per message, as many in parallel as the pool.
    const single = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    const before3 = await sink.count();
    const unpooled = await sendAll(peerCount, POOL, Date.now() + boundMs, (i) => single.sendMail(message(registry[i]!, attachment, i)));
    single.close();
    const unpooledReceived = (await sink.count()) - before3;
    log(`email unpooled: ${unpooled.sent} in ${Math.round(unpooled.ms)} ms, sink got ${unpooledReceived}`);

    const rate = (n: number, ms: number) => (n / ms) * 1000;
    const pooledRate = rate(pooled.sent, pooled.ms);
    const rawRate = rate(rawSent, rawMs);
    const unpooledRate = rate(unpooled.sent, unpooled.ms);
    const size = Math.round(wire[0]!.length / 1024);
    rows.push({
      section: '6. Email request round',
      measure: `pooled nodemailer (${POOL} connections): ${pooled.sent.toLocaleString('en')} messages of ~${size} KiB`,
      value: pooledRate,
      unit: 'msg/s',
      display: `${pooledRate.toFixed(0)} msg/s (${(pooled.ms / 1000).toFixed(1)} s; sink got ${pooledReceived}${pooled.errors ? `, ${pooled.errors} errors: ${pooled.firstError}` : ''})`,
      peer: { name: `floor: raw SMTP, ${POOL} connections, prebuilt messages`, value: rawRate, unit: 'msg/s', display: `${rawRate.toFixed(0)} msg/s (${(rawMs / 1000).toFixed(1)} s)` },
      ratio: rawRate / pooledRate,
      ratioNote: 'floor ÷ Svodka (times slower)',
      note: `${pooled.sent < count ? `time bound hit; ` : ''}building one message's MIME (nodemailer's MailComposer, one at a time) takes ${composeMs.toFixed(2)} ms — the floor does it beforehand; nodemailer without a pool: ${unpooledRate.toFixed(0)} msg/s over ${unpooled.sent} messages (pooled is ${(pooledRate / unpooledRate).toFixed(1)}× that)`,
    });
    rows.push({
      section: '6. Email request round',
      measure: "each request's Word template, as the activity builds it (one package per quarter)",
      value: median(factoryMs),
      unit: 'ms',
      peer: { name: 'buildTemplate through docx for every municipality', value: median(templateMs), unit: 'ms' },
      ratio: median(templateMs) / median(factoryMs),
      ratioNote: 'docx each time ÷ per-quarter package (times faster)',
      note: `medians of 200 and 20 warm calls; for ${count.toLocaleString('en')} requests ≈ ${((count * median(factoryMs)) / 1000).toFixed(0)} s of CPU instead of ${((count * median(templateMs)) / 1000).toFixed(0)} s`,
    });
  } finally {
    await sink.stop();
  }
  return rows;
});
