// The coordinator's notifications, each switchable, and whom they go to: one row of the database,
// so every worker and portal sees the same switches. No row yet: everything on, to the coordinator.
import type { Db } from './db/client';

export type NotificationSettings = {
  digest: boolean;
  draftReady: boolean;
  signedOff: boolean;
  /** Addresses as set; empty: SVODKA_COORDINATOR_EMAIL (AppConfig.coordinatorEmail). */
  recipients: string[];
  updatedBy: string | null;
  updatedAt: string | null;
};

const ROW_ID = 'notifications';

export const DEFAULT_NOTIFICATIONS: NotificationSettings = {
  digest: true,
  draftReady: true,
  signedOff: true,
  recipients: [],
  updatedBy: null,
  updatedAt: null,
};

export function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function readNotificationSettings(db: Db): Promise<NotificationSettings> {
  const row = await db.notificationSettings.findUnique({ where: { id: ROW_ID } });
  if (!row) return DEFAULT_NOTIFICATIONS;
  return {
    digest: row.digest,
    draftReady: row.draftReady,
    signedOff: row.signedOff,
    recipients: splitAddresses(row.recipients),
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type NotificationChange = Partial<
  Pick<NotificationSettings, 'digest' | 'draftReady' | 'signedOff' | 'recipients'>
>;

/** Applies the change over what is stored; fields left out keep their value. */
export async function writeNotificationSettings(
  db: Db,
  change: NotificationChange,
  actor: string,
): Promise<NotificationSettings> {
  const data = {
    ...(change.digest === undefined ? {} : { digest: change.digest }),
    ...(change.draftReady === undefined ? {} : { draftReady: change.draftReady }),
    ...(change.signedOff === undefined ? {} : { signedOff: change.signedOff }),
    ...(change.recipients === undefined ? {} : { recipients: change.recipients.join(', ') }),
    updatedBy: actor,
  };
  await db.notificationSettings.upsert({
    where: { id: ROW_ID },
    create: { id: ROW_ID, ...data },
    update: data,
  });
  return readNotificationSettings(db);
}

/** Whom the coordinator's notifications go to. */
export function recipientsOf(settings: NotificationSettings, coordinatorEmail: string): string[] {
  return settings.recipients.length > 0 ? settings.recipients : [coordinatorEmail];
}
