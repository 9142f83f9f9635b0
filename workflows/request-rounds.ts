// Starting a parent's municipalities and sending their request emails as they start. At national
// scale the server takes minutes to start a group's children; the first emails need not wait for
// the last start, so a round goes out for every ROUND_MIN that have started, the rest at the end.
import { condition } from '@temporalio/workflow';

const ROUND_MIN = 50;

export async function startAndRequest<Handle>(
  codes: string[],
  start: (code: string) => Promise<Handle>,
  request: (codes: string[]) => Promise<unknown>,
): Promise<{ handles: Handle[]; rounds: Promise<unknown> }> {
  const ready: string[] = [];
  let settled = 0;
  const all = Promise.all(
    codes.map(async (code) => {
      try {
        const handle = await start(code);
        ready.push(code);
        return handle;
      } finally {
        settled++;
      }
    }),
  );
  const rounds: Promise<unknown>[] = [];
  while (settled < codes.length) {
    await condition(() => ready.length >= ROUND_MIN || settled === codes.length);
    if (ready.length > 0) rounds.push(request(ready.splice(0)));
  }
  // A start that failed fails the parent here, as it always has.
  return { handles: await all, rounds: Promise.all(rounds) };
}
