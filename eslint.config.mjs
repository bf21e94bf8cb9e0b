// ESLint flat config: typescript-eslint with type information over the whole tree, and the Temporal rules for
// workflow code (src/workflows/** runs in Temporal's deterministic sandbox and is replayed from history).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

/** Modules that do I/O: workflow code may import their types, never their values. */
const IO_MODULES = [
  '**/activities',
  '**/activities/**',
  '**/storage/**',
  '**/workspace/**',
  '**/memory/fs-memory-store',
  '**/memory/memory-tool',
  '**/dreams/**',
  '**/outcomes/**',
  '**/scripted-model/**',
  '**/cli/**',
  '**/client',
  '**/worker',
  '**/connection',
  '**/config',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.lucid/', '.tools/', 'coverage/', 'bin/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `void promise` marks a deliberate fire-and-forget in Node code; workflow code may not (see below).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      // A promise nobody awaits in a workflow outlives the step that made it: its commands land in a later
      // workflow task, and its failure goes unseen. Await it, or keep it and await it before the workflow ends.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
            { name: '@anthropic-ai/sdk', message: 'Model calls are activities; workflows never import the SDK.' },
            { name: '@temporalio/client', message: 'Workflows talk to Temporal through @temporalio/workflow.' },
            { name: '@temporalio/worker', message: 'Workflows talk to Temporal through @temporalio/workflow.' },
            { name: '@temporalio/activity', message: 'Activity APIs are not available in workflow code.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins.' },
            { group: ['@anthropic-ai/sdk/*'], message: 'Model calls are activities; workflows never import the SDK.' },
            {
              group: IO_MODULES,
              allowTypeImports: true,
              message: 'This module does I/O: import its types only (`import type`), and call it through an activity.',
            },
          ],
        },
      ],
    },
  },
);
