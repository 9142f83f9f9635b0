import { describe } from 'vitest';
import { thinPathSuite } from './thin-path';

// TEST_POSTGRES_URL is CI's server, or the private cluster test/support/preflight.ts starts.
describe('thin path on PostgreSQL', () =>
  thinPathSuite('postgresql'),
);
