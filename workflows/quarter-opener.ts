// Started every day by the schedule OPENER_SCHEDULE_ID (and by «open now»): asks an activity which
// quarter is due and to start it through the same use case as `quarter start`. A workflow of its own
// because a schedule's action has fixed arguments, and today's quarter is not one of them.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { OpenerInput, OpenerResult } from './api';

type Activities = ReturnType<typeof createActivities>;

// Patient with a relay or database that is down, but not for ever: tomorrow's run tries again.
const { openDueQuarter } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 30,
  },
});

export async function quarterOpener(input: OpenerInput): Promise<OpenerResult> {
  return openDueQuarter(input);
}
