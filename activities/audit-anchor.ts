// Anchors: the audit chain's head, recorded where the database cannot reach it. Each sign-off
// manifest carries one; `svodka audit anchor --email` (daily, from the operator's cron or a
// Temporal Schedule that runs the sendAuditAnchor activity) mails one to SVODKA_AUDITOR_EMAIL.
// `svodka audit verify --anchor` then proves the log still holds every entry up to that head.
import { readFileSync } from 'node:fs';
import { auditKey, auditKeyId } from '../infrastructure/audit-key';
import { chainHead, GENESIS_HASH } from '../infrastructure/audit';
import type { ChainHead } from '../infrastructure/audit';
import type { Db } from '../infrastructure/db/client';
import type { Mailer } from '../infrastructure/email/mailer';
import { sendOnce } from '../infrastructure/email/send';
import type { SendOutcome } from '../infrastructure/email/send';

export type AuditAnchor = { format: 'svodka-audit-anchor/1'; takenAt: string; head: ChainHead; keyId: string | null };

export async function takeAnchor(db: Db, now: Date = new Date()): Promise<AuditAnchor> {
  const key = auditKey(process.env, false);
  return {
    format: 'svodka-audit-anchor/1',
    takenAt: now.toISOString(),
    head: await chainHead(db),
    keyId: key ? auditKeyId(key) : null,
  };
}

export class AnchorError extends Error {}

/**
 * The head hash an --anchor argument names: 64 hex digits, or a file — an anchor (audit anchor
 * --out, the email's attachment) or a sign-off manifest (its auditHead).
 */
export function anchorHash(arg: string): string {
  const text = arg.trim();
  if (/^[0-9a-f]{64}$/i.test(text)) return text.toLowerCase();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(text, 'utf8'));
  } catch (err) {
    throw new AnchorError(
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? `Якорь «${arg}»: это не хеш (64 шестнадцатеричные цифры) и не файл.`
        : `Якорь «${arg}»: файл не читается как JSON.`,
    );
  }
  const o = json as { head?: { hash?: unknown }; auditHead?: { hash?: unknown } };
  const hash = o.head?.hash ?? o.auditHead?.hash;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
    throw new AnchorError(`Якорь «${arg}»: в файле нет хеша вершины журнала (head.hash или auditHead.hash).`);
  return hash;
}

export function auditorEmail(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.SVODKA_AUDITOR_EMAIL?.trim() || null;
}

/** The day's anchor email, once a day (Moscow date) whatever retries or second runs happen. */
export async function sendAuditAnchor(
  db: Db,
  mailer: Mailer,
  mail: { to: string; from: string; messageIdDomain: string },
  now: Date = new Date(),
): Promise<{ anchor: AuditAnchor; outcome: SendOutcome }> {
  const anchor = await takeAnchor(db, now);
  const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(now);
  const { head } = anchor;
  const outcome = await sendOnce(
    db,
    mailer,
    { quarter: day, municipality: 'audit', kind: 'audit-anchor', seq: 1 },
    {
      from: mail.from,
      to: mail.to,
      subject: `Svodka: якорь журнала аудита на ${day}`,
      text:
        `Вершина журнала аудита Svodka на ${day} (московское время):\n\n` +
        `  запись № ${head.id} (всего записей: ${head.entries})\n  хеш: ${head.hash === GENESIS_HASH ? 'журнал пуст' : head.hash}\n\n` +
        'Сохраните это письмо вне Svodka. Проверка, что журнал не обрезан и не переписан до этой точки:\n' +
        `  npx svodka audit verify --anchor ${head.hash}\n`,
      attachments: [
        {
          filename: `svodka-audit-anchor-${day}.json`,
          content: Buffer.from(`${JSON.stringify(anchor, null, 2)}\n`),
          contentType: 'application/json',
        },
      ],
    },
    mail.messageIdDomain,
  );
  return { anchor, outcome };
}
