// Issue 16: a permanent failure is ApplicationFailure.nonRetryable, never retried for ever; a
// failure that may pass (a relay that refused) stays retryable.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

let t: TestDb;
const refused = new Set<string>();

function activities() {
  return createActivities({
    prisma: t.db,
    mailer: {
      async sendMail(message) {
        if (refused.has(message.to)) throw new Error('421 service not available');
      },
    },
    files: createDbBlobStore(t.db),
    clock: () => new Date(),
    config: loadConfig({ SVODKA_PUBLIC_URL: 'none' }),
  });
}

const inActivity = <R>(work: () => Promise<R>) => new MockActivityEnvironment().run(work) as Promise<R>;

async function failure(work: () => Promise<unknown>): Promise<{ nonRetryable: boolean; message: string }> {
  const error = await inActivity(work).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error, 'the activity failed').toBeInstanceOf(Error);
  return {
    nonRetryable: error instanceof ApplicationFailure && error.nonRetryable === true,
    message: error!.message,
  };
}

beforeAll(async () => {
  t = await createTestDb();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('permanent failures of the email activities', () => {
  it('an email to a municipality missing from the registry', async () => {
    const { sendMunicipalityEmail } = activities();
    const f = await failure(() =>
      sendMunicipalityEmail({
        quarter: '2023-Q2',
        municipality: 'atlantis',
        kind: 'reminder',
        seq: 1,
        deadline: '2023-07-05',
      }),
    );
    expect(f).toEqual({ nonRetryable: true, message: 'Нет муниципального образования atlantis в реестре' });
  });

  it('a request round whose only failures are codes missing from the registry', async () => {
    const { sendRequestEmails } = activities();
    const f = await failure(() =>
      sendRequestEmails({ quarter: '2023-Q3', deadline: '2023-10-05', codes: ['atlantis', 'vyazma'] }),
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('atlantis: нет в реестре');
  });

  it('but a relay that refused is tried again', async () => {
    const gagarin = await t.db.municipality.findUniqueOrThrow({ where: { code: 'gagarin' } });
    refused.add(gagarin.email);
    const { sendRequestEmails } = activities();
    const f = await failure(() =>
      sendRequestEmails({ quarter: '2023-Q4', deadline: '2024-01-10', codes: ['atlantis', 'gagarin'] }),
    );
    expect(f.nonRetryable).toBe(false);
  });
});
