// The dev mailbox (only under `npm start`, which passes config.devMailboxDir; never in the portal's
// production entry client/web/main.ts), for loopback clients only: the emails the dev SMTP sink stored as .eml
// files, newest first, each shown parsed with its links clickable and its attachments downloadable.
// A name in the URL is only ever looked up in the directory's listing, never joined into a path.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { simpleParser } from 'mailparser';
import type { AddressObject, ParsedMail } from 'mailparser';
import type { PortalContext } from './context';
import { notFound } from './errors';
import { attachmentDisposition, moscowDateTime } from './format';
import { html, linkify } from './html';
import { shellUser } from './layout';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$/;
const MAX_LISTED = 300;
const SAFE_TYPES = new Set([
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
]);

function addresses(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

const LOOPBACK_PEERS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The mailbox holds every municipality's link: only a browser on this machine may read it. The peer
 * must be loopback (not a proxy's forwarded address: the socket's own), and the Host a loopback name,
 * so a DNS-rebinding page in that browser cannot read it either.
 */
export function isLocalRequest(request: FastifyRequest): boolean {
  if (!LOOPBACK_PEERS.has(request.socket.remoteAddress ?? '')) return false;
  if (request.headers['x-forwarded-for'] !== undefined) return false;
  const host = (request.headers.host ?? '').toLowerCase().replace(/:\d{1,5}$/, '');
  return LOOPBACK_HOSTS.has(host);
}

export function registerMailboxRoutes(app: FastifyInstance, ctx: PortalContext, dir: string): void {
  // Not even a 403: to anyone else the mailbox does not exist.
  app.addHook('onRequest', async (request) => {
    // By the matched route, not the raw URL: /%64ev/mailbox is the same route.
    if (request.routeOptions.url?.startsWith('/dev/') && !isLocalRequest(request)) throw notFound();
  });
  const cache = new Map<string, { mtime: number; mail: ParsedMail }>();

  /** The .eml files of the directory, newest first (names are timestamps, mtime breaks ties). */
  const listing = (): { name: string; file: string; mtime: number }[] => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => NAME_PATTERN.test(n))
      .flatMap((name) => {
        const file = path.join(dir, name);
        try {
          const st = statSync(file);
          return st.isFile() ? [{ name, file, mtime: st.mtimeMs }] : [];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  };

  const parse = async (entry: { name: string; file: string; mtime: number }): Promise<ParsedMail> => {
    const hit = cache.get(entry.name);
    if (hit && hit.mtime === entry.mtime) return hit.mail;
    const mail = await simpleParser(readFileSync(entry.file));
    if (cache.size > 2000) cache.clear();
    cache.set(entry.name, { mtime: entry.mtime, mail });
    return mail;
  };

  const find = (name: string) => {
    const entry = listing().find((e) => e.name === name);
    if (!entry) throw notFound('Такого письма в dev-ящике нет.');
    return entry;
  };

  const shell = async (request: Parameters<PortalContext['viewer']>[0]) => {
    const viewer = await ctx.viewer(request);
    return viewer ? shellUser(viewer) : null;
  };

  app.get('/dev/mailbox', async (request, reply) => {
    const all = listing();
    const entries = all.slice(0, MAX_LISTED);
    const mails = await Promise.all(
      entries.map(async (e) => ({ entry: e, mail: await parse(e).catch(() => null) })),
    );
    const body = html`<h1>Почтовый ящик разработчика</h1>
      <div class="notice">
        Здесь письма, которые Svodka отправила без настоящего SMTP-сервера (SMTP_URL не задан): ${all.length}.
        Только для разработки и демонстраций.
      </div>
      ${
        mails.length === 0
          ? html`<p class="muted">Писем пока нет.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Дата</th>
                  <th>Кому</th>
                  <th>Тема</th>
                  <th>Вложения</th>
                </tr>
              </thead>
              <tbody>
                ${mails.map(
                  ({ entry, mail }) =>
                    html`<tr>
                      <td class="nowrap">${moscowDateTime(mail?.date ?? new Date(entry.mtime), true)}</td>
                      <td>${addresses(mail?.to)}</td>
                      <td><a href="/dev/mailbox/${entry.name}">${mail?.subject || '(без темы)'}</a></td>
                      <td class="num">${mail?.attachments.length || ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${all.length > MAX_LISTED ? html`<p class="muted">Показаны ${MAX_LISTED} последних.</p>` : ''}`;
    return ctx.send(reply, 200, { title: 'Почтовый ящик', body, user: await shell(request) });
  });

  app.get<{ Params: { name: string } }>('/dev/mailbox/:name', async (request, reply) => {
    const entry = find(request.params.name);
    const mail = await parse(entry);
    const body = html`<h1>${mail.subject || '(без темы)'}</h1>
      <p><a href="/dev/mailbox">← Все письма</a></p>
      <div class="card">
        <dl class="facts">
          <div>
            <dt>От</dt>
            <dd>${addresses(mail.from)}</dd>
          </div>
          <div>
            <dt>Кому</dt>
            <dd>${addresses(mail.to)}</dd>
          </div>
          ${
            mail.cc
              ? html`<div>
                  <dt>Копия</dt>
                  <dd>${addresses(mail.cc)}</dd>
                </div>`
              : ''
          }
          <div>
            <dt>Дата</dt>
            <dd>${moscowDateTime(mail.date ?? new Date(entry.mtime), true)}</dd>
          </div>
        </dl>
      </div>
      <div class="mail-body">${linkify(mail.text ?? '')}</div>
      ${
        mail.attachments.length
          ? html`<h2>Вложения</h2>
              <ul>
                ${mail.attachments.map(
                  (a, i) =>
                    html`<li>
                      <a href="/dev/mailbox/${entry.name}/attachments/${i}"
                        >${a.filename ?? `вложение ${i + 1}`}</a
                      >
                      <span class="muted">(${Math.max(1, Math.round(a.size / 1024))} КБ)</span>
                    </li>`,
                )}
              </ul>`
          : ''
      }`;
    return ctx.send(reply, 200, { title: mail.subject || 'Письмо', body, user: await shell(request) });
  });

  app.get<{ Params: { name: string; index: string } }>(
    '/dev/mailbox/:name/attachments/:index',
    async (request, reply) => {
      const entry = find(request.params.name);
      const mail = await parse(entry);
      const index = Number(request.params.index);
      const attachment = Number.isInteger(index) && index >= 0 ? mail.attachments[index] : undefined;
      if (!attachment) throw notFound('Такого вложения нет.');
      const name = attachment.filename ?? `attachment-${index + 1}`;
      return reply
        .type(SAFE_TYPES.has(attachment.contentType) ? attachment.contentType : 'application/octet-stream')
        .header(
          'Content-Disposition',
          attachmentDisposition(
            name,
            name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '') || `attachment-${index + 1}`,
          ),
        )
        .send(attachment.content);
    },
  );
}
