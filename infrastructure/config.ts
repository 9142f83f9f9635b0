// Settings the activities need beyond their dependencies, all from the environment.
export type AppConfig = {
  /** The From: of every email. */
  mailFrom: string;
  /** The coordinator: copied on escalations, receives the final report. */
  coordinatorEmail: string;
  /** Who receives the signed-off report (comma-separated in SVODKA_REPORT_RECIPIENTS). */
  reportRecipients: string[];
  /** The portal's public address, for links in emails; null when there is no portal. */
  publicUrl: string | null;
  /** The domain of Message-IDs, so that they are stable and recognisable. */
  messageIdDomain: string;
  /**
   * The mailbox that receives replies (read over IMAP). Request emails carry Reply-To
   * local+<token>@domain, so a reply finds its municipality and quarter; null: no Reply-To.
   */
  replyTo: string | null;
  /** Days a municipality's link stays valid after the deadline its email names (SVODKA_LINK_GRACE_DAYS). */
  linkGraceDays: number;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const coordinatorEmail = env.SVODKA_COORDINATOR_EMAIL || 'coordinator@svodka.example.ru';
  return {
    mailFrom: env.SVODKA_MAIL_FROM || 'Svodka <svodka@svodka.example.ru>',
    coordinatorEmail,
    reportRecipients: (env.SVODKA_REPORT_RECIPIENTS || coordinatorEmail)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    // The portal is part of Svodka: links point at it unless there is none (SVODKA_PUBLIC_URL=none).
    publicUrl:
      env.SVODKA_PUBLIC_URL === 'none'
        ? null
        : (env.SVODKA_PUBLIC_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, ''),
    messageIdDomain: env.SVODKA_MESSAGE_ID_DOMAIN || 'svodka.local',
    replyTo: env.SVODKA_REPLY_TO || null,
    linkGraceDays: graceDays(env.SVODKA_LINK_GRACE_DAYS),
  };
}

function graceDays(text: string | undefined): number {
  if (!text) return 30;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 3650)
    throw new Error(`SVODKA_LINK_GRACE_DAYS: ожидается число дней от 0 до 3650, получено «${text}».`);
  return n;
}
