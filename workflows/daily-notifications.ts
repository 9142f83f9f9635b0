// Started every day by the schedule DAILY_SCHEDULE_ID: the coordinators' digest (the activity
// decides whether today is a working day and whether there is anything to say) and the auditors'
// anchor of the audit chain (every day, days off included: the chain grows on any day).
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { DailyResult } from './api';

type Activities = ReturnType<typeof createActivities>;

// Patient with a relay or database that is down, but not for ever: tomorrow's run tries again.
const { sendDailyDigest, sendAuditAnchor } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 30,
  },
});

export async function dailyNotifications(): Promise<DailyResult> {
  // Each its own activity: an auditors' relay that is down does not hold back the coordinators' digest.
  const [digest, anchor] = await Promise.all([sendDailyDigest(), sendAuditAnchor()]);
  return { digest, anchor: anchor?.head.hash ?? null };
}
