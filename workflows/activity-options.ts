// How the workflows schedule their side effects: they wait out an SMTP relay or a database that is
// down for hours rather than give up on an email or an answer.
import type { ActivityOptions } from '@temporalio/workflow';

const patientRetry = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' };

/** One email or one recorded answer. */
export const sideEffectOptions = {
  startToCloseTimeout: '2 minutes',
  retry: patientRetry,
} as const satisfies ActivityOptions;

/**
 * A request round of up to a group's worth of emails: longer to run, and a heartbeat per email so a
 * worker that dies mid-round is noticed in seconds, not at the timeout.
 */
export const requestRoundOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: patientRetry,
} as const satisfies ActivityOptions;

/**
 * Copying a quarter's histories into the database: one fetch and one write per execution, 20,000
 * of them in a national quarter. A heartbeat per history, so a dead worker is noticed in seconds.
 */
export const archiveOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: patientRetry,
} as const satisfies ActivityOptions;
