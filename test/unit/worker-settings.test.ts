// A worker started with a wrong setting stops at once and names it, before it connects to anything:
// otherwise every render or parse would fail on it, and its activity retry forever.
import { afterEach, describe, expect, it } from 'vitest';
import { createSvodkaWorker } from '../../worker/worker';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('the worker refuses to start with a wrong setting', () => {
  it('SVODKA_RENDER_PROCESS_EVENTS that is not a count of events', async () => {
    process.env.SVODKA_RENDER_PROCESS_EVENTS = 'много';
    await expect(createSvodkaWorker({ address: '127.0.0.1:1' })).rejects.toThrow(
      /SVODKA_RENDER_PROCESS_EVENTS: ожидается целое число событий, получено «много»/,
    );
  });

  it('SVODKA_PARSE_TIMEOUT_S that is not a number of seconds', async () => {
    process.env.SVODKA_PARSE_TIMEOUT_S = '-3';
    await expect(createSvodkaWorker({ address: '127.0.0.1:1' })).rejects.toThrow(/SVODKA_PARSE_TIMEOUT_S/);
  });
});
