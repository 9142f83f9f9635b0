import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stops the run at once when a system program is missing; starts PostgreSQL when not given.
    globalSetup: ['test/support/preflight.ts'],
    // Temporal's worker and native bridge want a process of their own per file.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
