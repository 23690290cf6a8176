// ESLint for the whole repository (`npm run lint`, and `npm test` before its tests). typescript-eslint's
// recommended rules without type information, so the step stays quick; Prettier owns formatting.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Code under src/workflows and src/core runs inside Temporal's deterministic workflow sandbox (core
 * is imported by it). It must not load Node built-ins, Node-only packages, or Baton's Node-side
 * folders. test/sandbox-boundary.test.ts checks the same at run time, including require().
 */
const sandboxPaths = [
  ...builtinModules
    .filter((m) => !m.startsWith('_'))
    .map((name) => ({
      name,
      message: 'A Node built-in cannot run in the workflow sandbox; do this in a task (src/activities).',
    })),
  ...['pino', 'express', 'redis', '@temporalio/worker', '@temporalio/activity', '@temporalio/client'].map((name) => ({
    name,
    message: 'Node-only package: the workflow sandbox cannot load it. Flows log through the workflow logger.',
  })),
];
const sandboxPatterns = [
  {
    group: ['node:*'],
    message: 'A Node built-in cannot run in the workflow sandbox; do this in a task (src/activities).',
  },
  {
    // Anything one level up except the two sandbox folders: activities, client, api, workers, cli,
    // server, config, serve, index (it loads the task runner) are Node-side.
    group: ['../*', '!../core', '!../core/*', '!../workflows', '!../workflows/*', '../../*'],
    message: 'Sandbox code may import only from src/workflows and src/core; the rest of src is Node-side.',
  },
];
/** The same rule for files one folder deeper in src/core (src/core/schemas): `..` is still core. */
const nestedCorePatterns = [
  sandboxPatterns[0],
  {
    group: ['../../*', '!../../core', '!../../core/*', '!../../workflows', '!../../workflows/*', '../../../*'],
    message: 'Sandbox code may import only from src/workflows and src/core; the rest of src is Node-side.',
  },
];
/** The flow runtime is shared between runs and frozen; each run must evaluate its own zod (see src/workflows/preload.ts). */
const zodAtRunTime = {
  name: 'zod',
  allowTypeImports: true,
  message: 'The shared flow runtime must not load zod (a frozen zod breaks its checks); use `import type`.',
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.baton/**', 'test/fixtures/histories/**', 'bench/.venv/**', 'test-artifacts/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a name kept on purpose: Express's four-parameter error handler, a key dropped by destructuring.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      // Plain CommonJS scripts (bin/baton.js, docker/healthcheck.js) have no `import`.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: sandboxPaths, patterns: sandboxPatterns }],
    },
  },
  {
    files: ['src/core/*/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: sandboxPaths, patterns: nestedCorePatterns }],
    },
  },
  {
    // A later entry replaces the rule's options for these files, so it repeats the sandbox lists.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [...sandboxPaths, zodAtRunTime], patterns: sandboxPatterns }],
    },
  },
);
