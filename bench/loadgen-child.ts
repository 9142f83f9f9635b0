// A small closed-loop load generator in its own process: `connections` loops on keep-alive
// sockets, each sending the next request of the list until the list or the time runs out.
//   node bin/run.js bench/loadgen-child.ts SPEC.json
// SPEC: { url, connections, timeoutMs, requests: [{ path, contentType, body (base64) }] }.
// Loopback only: the portal under test runs on 127.0.0.1.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { childMain } from './lib';

export type LoadSpec = {
  url: string;
  connections: number;
  timeoutMs: number;
  /** The status that counts as success (the upload redirects: 303). */
  expectStatus: number;
  requests: { path: string; contentType: string; body: string }[];
};

export type LoadResult = {
  sent: number;
  ok: number;
  errors: number;
  /** Per request, ms, in completion order. */
  latenciesMs: number[];
  wallMs: number;
  statuses: Record<string, number>;
  firstError: string | null;
  timedOut: boolean;
  /** CPU time this load generator used while sending, ms (it shares the machine with the portal). */
  cpuMs: number;
};

function send(agent: http.Agent, url: URL, path: string, contentType: string, body: Buffer) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': contentType, 'content-length': body.length },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out (60 s)')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const bodies = spec.requests.map((r) => Buffer.from(r.body, 'base64'));
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    errors: 0,
    latenciesMs: [],
    wallMs: 0,
    statuses: {},
    firstError: null,
    timedOut: false,
    cpuMs: 0,
  };
  const deadline = Date.now() + spec.timeoutMs;
  let next = 0;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const loop = async () => {
    for (;;) {
      if (Date.now() > deadline) {
        result.timedOut = next < spec.requests.length;
        return;
      }
      const i = next++;
      if (i >= spec.requests.length) return;
      const r = spec.requests[i]!;
      const t = performance.now();
      result.sent++;
      try {
        const res = await send(agent, url, r.path, r.contentType, bodies[i]!);
        result.latenciesMs.push(performance.now() - t);
        result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
        if (res.status === spec.expectStatus) result.ok++;
        else {
          result.errors++;
          result.firstError ??= `HTTP ${res.status}: ${res.text
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .slice(0, 300)}`;
        }
      } catch (err) {
        result.latenciesMs.push(performance.now() - t);
        result.errors++;
        result.firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  result.wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  result.cpuMs = (cpu.user + cpu.system) / 1000;
  agent.destroy();
  return result;
}

if (process.argv[1]?.endsWith('loadgen-child.ts')) {
  await childMain(async () => runLoad(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec));
}
