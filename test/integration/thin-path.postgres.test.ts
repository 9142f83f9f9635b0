import { describe } from 'vitest';
import { thinPathSuite } from './thin-path';

// CI sets TEST_POSTGRES_URL (see .ci/run); on a machine without PostgreSQL this file has nothing to run.
describe.runIf(Boolean(process.env.TEST_POSTGRES_URL))('thin path on PostgreSQL', () =>
  thinPathSuite('postgresql'),
);
