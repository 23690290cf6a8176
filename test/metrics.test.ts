import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { freePort } from '../src/server/temporal-server';
import { loadModule } from '../src/workers/load-module';
import { eventually, FIXTURES, ROOT, testTarget, uid } from './helpers';

/** The value of the first sample of `name` whose labels include every pair in `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

// A worker process started with BATON_METRICS_PORT serves Prometheus metrics: Temporal's runtime
// metrics and Baton's own, recorded through the SDK's metric meter.
describe('worker metrics', { timeout: 120_000 }, () => {
  let child: ChildProcess;
  let client: BatonClient;
  let port: number;
  const taskQueue = uid('tq');
  before(async () => {
    port = await freePort();
    child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', FIXTURES, '--task-queue', taskQueue], {
      cwd: ROOT,
      env: { ...process.env, BATON_METRICS_PORT: String(port) },
      stdio: 'ignore',
    });
    client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: loadModule(FIXTURES).flows });
  });
  after(async () => {
    child?.kill('SIGTERM');
    await client?.close();
  });

  test('after a run, /metrics has its task attempt, its flow run and the SDK counters, by name', async () => {
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await eventually(
      () =>
        scrape().then(
          (t) => t.length > 0 || undefined,
          () => undefined,
        ),
      60_000,
    );
    const run = await client.flowRuns.start('hello', { name: 'metrics' });
    assert.equal(await run.result(), 'hello metrics.');
    const text = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'baton_flow_runs', { flow: 'hello', state: 'Completed' }) ? t : undefined;
    });
    assert.equal(sample(text, 'baton_flow_runs', { flow: 'hello', state: 'Completed', taskQueue }), 1);
    assert.equal(sample(text, 'baton_task_runs', { task: 'greet', state: 'Completed', attempt: 'first', taskQueue }), 1);
    assert.equal(sample(text, 'baton_task_duration_count', { task: 'greet', state: 'Completed', taskQueue }), 1);
    assert.ok((sample(text, 'temporal_workflow_completed', { task_queue: taskQueue }) ?? 0) >= 1, 'the SDK runtime metrics are served beside them');
  });
});
