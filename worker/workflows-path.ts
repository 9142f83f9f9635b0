import path from 'node:path';

export const workflowsPath = path.resolve(import.meta.dirname, '../workflows/index.ts');
