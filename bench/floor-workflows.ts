// The floor of the quarter benchmarks: an empty parent that starts `count` empty children and waits
// for them to complete — Temporal's own cost of the same number of child workflows on the same
// server, with nothing of Svodka's in it. Above `groupSize` children the parent starts groups of
// at most `groupSize` (each an empty workflow that starts its share): the shape of Svodka's own
// tree (bench/quarter.ts passes the quarter's group size), which Temporal's limits ask for
// (≤ 2,000 pending children per execution; ~1,000 advised).
import { condition, defineSignal, defineUpdate, ParentClosePolicy, setHandler, startChild } from '@temporalio/workflow';

export type FloorInput = { prefix: string; count: number; groupSize: number };

export async function floorChild(): Promise<void> {}

export async function floorGroup(input: { prefix: string; from: number; count: number }): Promise<number> {
  const handles = await Promise.all(
    Array.from({ length: input.count }, (_, i) =>
      startChild(floorChild, {
        workflowId: `${input.prefix}/${input.from + i}`,
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      }),
    ),
  );
  await Promise.all(handles.map((h) => h.result()));
  return input.count;
}

export async function floorParent(input: FloorInput): Promise<number> {
  if (input.count <= input.groupSize) return floorGroup({ prefix: input.prefix, from: 0, count: input.count });
  const groups = Math.ceil(input.count / input.groupSize);
  const handles = await Promise.all(
    Array.from({ length: groups }, (_, g) => {
      const from = g * input.groupSize;
      return startChild(floorGroup, {
        workflowId: `${input.prefix}/group-${g}`,
        args: [{ prefix: input.prefix, from, count: Math.min(input.groupSize, input.count - from) }],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
    }),
  );
  const done = await Promise.all(handles.map((h) => h.result()));
  return done.reduce((a, b) => a + b, 0);
}

/** The floor of the portal's upload: an Update that an empty workflow answers at once. */
export const floorUpdate = defineUpdate<number, [number]>('floorUpdate');
export const floorStopSignal = defineSignal('floorStopSignal');

export async function floorUpdateTarget(): Promise<void> {
  let stopped = false;
  setHandler(floorUpdate, (n) => n);
  setHandler(floorStopSignal, () => {
    stopped = true;
  });
  await condition(() => stopped);
}
