import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { createWorker, type BatonWorker } from '../src/workers/worker';
import { FIXTURES, readLines, tempDir, testTarget, uid } from './helpers';
import { startOwnRedis, type OwnRedis } from './redis-process';

// A Redis cache store that stops answering (frozen with SIGSTOP) must not hold a run: the lookup is
// a miss, the task runs, the result is not stored, all within the wait BATON_CACHE_WAIT_SECONDS sets.
describe('a cached task while Redis does not answer', { timeout: 120_000 }, () => {
  let redis: OwnRedis;
  let worker: BatonWorker;
  let running: Promise<void>;
  let client: BatonClient;
  const taskQueue = uid('redis-outage');
  before(async () => {
    redis = await startOwnRedis();
    const config = { ...loadConfig(), BATON_CACHE_STORE: 'redis' as const, BATON_REDIS_URL: redis.url, BATON_CACHE_WAIT_SECONDS: 1 };
    worker = await createWorker({ flows: FIXTURES, target: testTarget(), config, taskQueue });
    running = worker.run();
    client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(config), taskQueue, flows: worker.module.flows });
  });
  after(async () => {
    redis?.thaw();
    await client?.close();
    await worker?.shutdown();
    await running;
    redis?.stop();
  });

  test('the run completes: a lookup that does not answer is a miss, and the task runs', async () => {
    const probe = { dir: tempDir(), key: 'ran' };
    const call = (token: string) => [{ task: 'inputsCached', args: [probe, { a: 1 }, { token }] }];
    // Redis answering: computed once, then a hit.
    await client.flowRuns.run('run-tasks', { calls: call('one') });
    await client.flowRuns.run('run-tasks', { calls: call('two') });
    assert.equal(readLines(probe.dir, probe.key).length, 1, 'the second run was a cache hit');

    redis.freeze();
    const started = Date.now();
    const out = (await client.flowRuns.run('run-tasks', { calls: call('three') })) as { executions: number }[];
    const ms = Date.now() - started;
    assert.equal(readLines(probe.dir, probe.key).length, 2, 'with Redis frozen the task ran again');
    assert.equal(out[0]!.executions, 2);
    assert.ok(ms < 15_000, `the run took ${ms} ms with Redis frozen`);
  });
});
