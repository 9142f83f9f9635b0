import { describe } from 'vitest';
import { thinPathSuite } from './thin-path';

describe('thin path on SQLite', () => thinPathSuite('sqlite'));
