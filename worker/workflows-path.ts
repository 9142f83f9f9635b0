// The workflows' entry, in a file of its own so the bundler's process (worker/bundle-child.ts) and
// the replay test load no activities, Prisma or mailer with it.
import path from 'node:path';

export const workflowsPath = path.resolve(import.meta.dirname, '../workflows/index.ts');
