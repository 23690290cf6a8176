import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { freePort } from '../src/server/temporal-server';
import { createWorker, type BatonWorker } from '../src/workers/worker';
import { FIXTURES, readLines, tempDir, testTarget, uid } from './helpers';

const REDIS_BINARY = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((b) => fs.existsSync(b));

/** Resolves once something accepts connections on the port. */
async function listening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A Redis cache store that stops answering (frozen with SIGSTOP) must not hold a run: the lookup is
// a miss, the task runs, the result is not stored, all within the wait BATON_CACHE_WAIT_SECONDS sets.
describe('a cached task while Redis does not answer', { timeout: 120_000 }, () => {
  let redis: ChildProcess;
  let worker: BatonWorker;
  let running: Promise<void>;
  let client: BatonClient;
  const taskQueue = uid('redis-outage');
  before(async () => {
    assert.ok(REDIS_BINARY, "no redis-server: `npm test` installs Debian's redis-server when these tests run");
    const port = await freePort();
    redis = spawn(REDIS_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await listening(port);
    const config = { ...loadConfig(), BATON_CACHE_STORE: 'redis' as const, BATON_REDIS_URL: `redis://127.0.0.1:${port}`, BATON_CACHE_WAIT_SECONDS: 1 };
    worker = await createWorker({ flows: FIXTURES, target: testTarget(), config, taskQueue });
    running = worker.run();
    client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(config), taskQueue, flows: worker.module.flows });
  });
  after(async () => {
    redis?.kill('SIGCONT');
    await client?.close();
    await worker?.shutdown();
    await running;
    redis?.kill('SIGKILL');
  });

  test('the run completes: a lookup that does not answer is a miss, and the task runs', async () => {
    const probe = { dir: tempDir(), key: 'ran' };
    const call = (token: string) => [{ task: 'inputsCached', args: [probe, { a: 1 }, { token }] }];
    // Redis answering: computed once, then a hit.
    await client.flowRuns.run('run-tasks', { calls: call('one') });
    await client.flowRuns.run('run-tasks', { calls: call('two') });
    assert.equal(readLines(probe.dir, probe.key).length, 1, 'the second run was a cache hit');

    redis.kill('SIGSTOP');
    const started = Date.now();
    const out = (await client.flowRuns.run('run-tasks', { calls: call('three') })) as { executions: number }[];
    const ms = Date.now() - started;
    assert.equal(readLines(probe.dir, probe.key).length, 2, 'with Redis frozen the task ran again');
    assert.equal(out[0]!.executions, 2);
    assert.ok(ms < 15_000, `the run took ${ms} ms with Redis frozen`);
  });
});
