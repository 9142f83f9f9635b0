// ESLint with typescript-eslint. Workflow code must stay deterministic and sandbox-safe: the
// override on workflows/** forbids Node built-ins, Prisma, nodemailer and docx.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'generated/',
      'data/',
      'out/',
      '.temporal/',
      'test-results/',
      'bench/results.json',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Stripping control characters from clerks' text is deliberate.
      'no-control-regex': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
    },
  },
  {
    // Layers: surfaces (client/) call use cases (application/), which use infrastructure; never back.
    files: ['application/**', 'infrastructure/**', 'activities/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/client/**'], message: 'Surfaces call the layers below, never the reverse.' },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**', 'domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow and domain code is deterministic: no Node built-ins.',
          })),
          patterns: [
            {
              group: ['@prisma/*', '**/generated/**', 'prisma'],
              message: 'Workflows reach the database only through activities.',
            },
            {
              group: ['nodemailer', 'smtp-server', 'mailparser'],
              message: 'Workflows send email only through activities.',
            },
            {
              group: ['docx', 'fflate', 'saxes'],
              message: 'Workflows render and parse documents only through activities.',
            },
            {
              group: ['**/infrastructure/**', '**/client/**', '**/worker/**'],
              message: 'Workflows and domain reach infrastructure and surfaces only through activities.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              message: 'Import activities with `import type` only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
