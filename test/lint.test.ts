/**
 * The sandbox import rule in eslint.config.mjs: code under src/workflows and src/core runs in
 * Temporal's workflow sandbox, so ESLint rejects Node-only imports there (sandbox-boundary.test.ts
 * checks the same at run time). Each case lints source text as if it lived at a sandbox path.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import { ROOT } from './helpers';

const RULE = '@typescript-eslint/no-restricted-imports';
const LIMIT = { timeout: 60_000 };
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: path.join(ROOT, 'eslint.config.mjs') });

/**
 * The sandbox rule's messages for `source` linted as the file `filePath` (relative to the root);
 * other rules' findings (an unused import in a probe) are not the subject here.
 */
async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, filePath) });
  assert.ok(result, `ESLint linted ${filePath}`);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('sandbox import rule', LIMIT, () => {
  const forbidden: [string, RegExp][] = [
    ["import fs from 'node:fs';", /'node:fs' import is restricted.*Node built-in/],
    ["import fs from 'fs';", /'fs' import is restricted.*Node built-in/],
    ["import { readFile } from 'fs/promises';", /'fs\/promises' import is restricted.*Node built-in/],
    ["import { createHash } from 'crypto';", /'crypto' import is restricted.*Node built-in/],
    ["import path from 'path';", /'path' import is restricted.*Node built-in/],
    ["import pino from 'pino';", /'pino' import is restricted.*Node-only package/],
    ["import express from 'express';", /'express' import is restricted.*Node-only package/],
    ["import { createClient } from 'redis';", /'redis' import is restricted.*Node-only package/],
    ["import { Worker } from '@temporalio/worker';", /'@temporalio\/worker' import is restricted/],
    ["import { Context } from '@temporalio/activity';", /'@temporalio\/activity' import is restricted/],
    ["import { Client } from '@temporalio/client';", /'@temporalio\/client' import is restricted/],
    ["import { task } from '../activities/task';", /'\.\.\/activities\/task' import is restricted.*only from src\/workflows and src\/core/],
    ["import { BatonClient } from '../client/client';", /'\.\.\/client\/client' import is restricted/],
    ["import { createApp } from '../api/app';", /'\.\.\/api\/app' import is restricted/],
    ["import { startWorker } from '../workers/worker';", /'\.\.\/workers\/worker' import is restricted/],
    ["import { main } from '../cli/main';", /'\.\.\/cli\/main' import is restricted/],
    ["import { startDevServer } from '../server/temporal-server';", /'\.\.\/server\/temporal-server' import is restricted/],
    ["import { loadConfig } from '../config';", /'\.\.\/config' import is restricted/],
    ["import { serve } from '../serve';", /'\.\.\/serve' import is restricted/],
    ["import { ROOT } from '../../test/helpers';", /'\.\.\/\.\.\/test\/helpers' import is restricted/],
    ["export { BatonClient } from '../client/client';", /'\.\.\/client\/client' import is restricted/],
  ];
  for (const dir of ['src/workflows', 'src/core']) {
    for (const [source, message] of forbidden) {
      test(`${dir} rejects ${source}`, async () => {
        const messages = await restricted(`${dir}/lint-probe.ts`, `${source}\n`);
        assert.equal(messages.length, 1, `one message for ${source}: ${JSON.stringify(messages)}`);
        assert.match(messages[0]!, message);
      });
    }
  }

  test('sandbox-safe imports pass: @temporalio/workflow, @temporalio/common, src/core, src/workflows, siblings', async () => {
    const source = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { ApplicationFailure } from '@temporalio/common';",
      "import { BatonError } from '../core/errors';",
      "import { flow } from '../workflows/flow';",
      "import { sleep } from './sleep';",
      "import './web-globals';",
      'export const used = [proxyActivities, ApplicationFailure, BatonError, flow, sleep];',
    ].join('\n');
    assert.deepEqual(await restricted('src/workflows/lint-probe.ts', source), []);
    assert.deepEqual(await restricted('src/core/lint-probe.ts', source), []);
  });

  test('src/workflows imports zod only as types; src/core may load it', async () => {
    const runtime = "import { z } from 'zod';\nexport const used = z;\n";
    const [message, ...rest] = await restricted('src/workflows/lint-probe.ts', runtime);
    assert.match(message ?? '', /'zod' import is restricted.*must not load zod.*import type/);
    assert.deepEqual(rest, []);
    assert.deepEqual(await restricted('src/workflows/deep/lint-probe.ts', "import { z } from 'zod';\nexport const used = z;\n").then((m) => m.length), 1);
    const typeOnly = "import type { ZodType } from 'zod';\nimport { type output } from 'zod';\nexport type Used = [ZodType, output<ZodType>];\n";
    assert.deepEqual(await restricted('src/workflows/lint-probe.ts', typeOnly), []);
    assert.deepEqual(await restricted('src/core/lint-probe.ts', runtime), []);
  });

  test('Node-side code is not restricted', async () => {
    const source = "import fs from 'node:fs';\nimport pino from 'pino';\nimport { task } from '../activities/task';\nexport const used = [fs, pino, task];\n";
    assert.deepEqual(await restricted('src/activities/lint-probe.ts', source), []);
    assert.deepEqual(await restricted('src/api/lint-probe.ts', source), []);
  });

  test('one folder deeper in src/core, .. is still core: siblings pass, the Node side does not', async () => {
    const inside = "import { cronProblem } from '../cron';\nimport { STATES } from '../states';\nexport const used = [cronProblem, STATES];\n";
    assert.deepEqual(await restricted('src/core/schemas/lint-probe.ts', inside), []);
    for (const source of ["import { task } from '../../activities/task';\n", "import { loadConfig } from '../../config';\n", "import fs from 'node:fs';\n"]) {
      assert.equal((await restricted('src/core/schemas/lint-probe.ts', source)).length, 1, source);
    }
  });

  test("the rule covers every file of the repository's sandbox folders", async () => {
    for (const file of ['src/workflows/flow.ts', 'src/workflows/preload.ts', 'src/core/errors.ts', 'src/core/schemas/deployment.ts']) {
      const config = await eslint.calculateConfigForFile(path.join(ROOT, file));
      assert.equal(config.rules?.[RULE]?.[0], 2, `${file} is linted with ${RULE} as an error`);
    }
  });
});
