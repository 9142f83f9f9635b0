// Another portal process claiming from the upload inbox, for test/unit/answer-inbox.test.ts: one
// SQLite connection per process, as in production (two in one thread would block each other).
// Usage: node bin/run.js test/unit/answer-inbox-claimer.ts <database url> <owner> <now ISO>
import { claimDue } from '../../infrastructure/answer-inbox';
import { createDb } from '../../infrastructure/db/client';

const [url, owner, now] = process.argv.slice(2);
const db = await createDb(url);
const claimed: string[] = [];
// Claims in small bites, as a dispatcher does, so the two processes interleave.
for (;;) {
  const batch = await claimDue(db, { owner: owner!, limit: 3, leaseMs: 60_000, now: new Date(now!) });
  if (batch.length === 0) break;
  claimed.push(...batch.map((e) => e.requestId));
}
await db.$disconnect();
process.stdout.write(JSON.stringify(claimed));
