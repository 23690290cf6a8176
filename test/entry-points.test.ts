import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BatonClient, configuredTarget, type BatonClientOptions } from '../src/client';
import { loadConfig } from '../src/config';
import { ROOT } from './helpers';
import { runtimeImports } from './source-imports';

/** The npm packages Node loads for one module, and what it exports (test/fixtures/load-probe.cjs). */
function load(entry: string): { packages: string[]; exported: string[] } {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'test/fixtures/load-probe.cjs'), path.join(ROOT, entry)], { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(out.toString()) as { packages: string[]; exported: string[] };
}

describe('entry points by role', { timeout: 120_000 }, () => {
  test("'baton' (authoring tasks) loads neither the worker's native module, Temporal's client, nor Express", () => {
    const { packages, exported } = load('src/index.ts');
    for (const heavy of ['@temporalio/worker', '@temporalio/core-bridge', '@temporalio/client', 'express', 'redis', 'pino']) {
      assert.ok(!packages.includes(heavy), `'baton' loaded ${heavy}`);
    }
    for (const name of ['task', 'getRunContext', 'NonRetryableError', 'RetryAfterError', 'CachePolicy', 'exponentialBackoff']) assert.ok(exported.includes(name), name);
  });

  test("'baton/client' loads no worker and no Express; 'baton/api' no worker; each exports its role", () => {
    const client = load('src/client/index.ts');
    for (const heavy of ['@temporalio/worker', '@temporalio/core-bridge', 'express', 'redis'])
      assert.ok(!client.packages.includes(heavy), `'baton/client' loaded ${heavy}`);
    assert.ok(client.exported.includes('BatonClient') && client.exported.includes('loadConfig'));
    const api = load('src/api/index.ts');
    for (const heavy of ['@temporalio/worker', '@temporalio/core-bridge']) assert.ok(!api.packages.includes(heavy), `'baton/api' loaded ${heavy}`);
    assert.ok(api.exported.includes('createApp') && api.exported.includes('startApi'));
    assert.ok(load('src/workers/index.ts').exported.includes('createWorker'));
    assert.ok(load('src/workflows/index.ts').exported.includes('flow'));
  });

  test('package.json names every entry point, and declares every package the code imports', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      dependencies: Record<string, string>;
    };
    assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './api', './client', './llm', './mcp', './package.json', './worker', './workflows']);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const files = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') || e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
    const missing = new Set<string>();
    for (const file of [...files(path.join(ROOT, 'src')), ...files(path.join(ROOT, 'bin'))]) {
      for (const specifier of runtimeImports(fs.readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.') || builtins.has(specifier) || builtins.has(specifier.split('/')[0]!)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!pkg.dependencies[name]) missing.add(`${name} (${path.relative(ROOT, file)})`);
      }
    }
    assert.deepEqual([...missing], []);
  });

  test("BatonClient.fromConfig connects to the configured server with Baton's data converter", async () => {
    const client = await BatonClient.fromConfig(loadConfig(), { taskQueue: 'entry-points' });
    try {
      assert.equal(client.namespace, process.env.TEMPORAL_NAMESPACE ?? 'default');
      assert.equal(client.options.dataConverter?.payloadCodecs?.length, 1, 'large payloads are read through the blob codec');
      assert.equal(client.options.taskQueue, 'entry-points');
      assert.ok(Array.isArray((await client.flowRuns.list({ pageSize: 1 })).flowRuns));
    } finally {
      await client.close();
    }
  });

  test('BatonClient.connect keeps the options it is given as they are, and reads no environment variable', async () => {
    const target = configuredTarget()!;
    const options: BatonClientOptions = Object.freeze({ target: Object.freeze({ ...target }), taskQueue: 'frozen' });
    const before = process.env.BATON_HOME;
    process.env.BATON_HOME = '/nonexistent/baton-home';
    try {
      const client = await BatonClient.connect(options);
      try {
        assert.equal(client.options, options);
        assert.equal(client.options.dataConverter, undefined, 'no converter made up from the environment');
        assert.equal(client.flowRuns instanceof Object, true);
      } finally {
        await client.close();
      }
    } finally {
      if (before === undefined) delete process.env.BATON_HOME;
      else process.env.BATON_HOME = before;
    }
  });

  test('loadConfig reads defaults from the environment it is given, and nothing else', () => {
    const config = loadConfig({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/someone' });
    assert.equal(config.BATON_TEMPORAL_CLI_CACHE, '/x/cache/baton/temporal-cli');
    assert.equal(loadConfig({ HOME: '/home/someone' }).BATON_TEMPORAL_CLI_CACHE, '/home/someone/.cache/baton/temporal-cli');
    const before = process.env.BATON_TASK_QUEUE;
    process.env.BATON_TASK_QUEUE = 'from-process-env';
    try {
      assert.equal(loadConfig({ HOME: '/h' }).BATON_TASK_QUEUE, 'baton', 'process.env is not read when an env is given');
    } finally {
      if (before === undefined) delete process.env.BATON_TASK_QUEUE;
      else process.env.BATON_TASK_QUEUE = before;
    }
  });
});
