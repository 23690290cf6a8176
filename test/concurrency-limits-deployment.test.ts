/**
 * A deployment's concurrency limit (Prefect's deployment `concurrency_limit` with a collision
 * strategy): ENQUEUE runs one after another, the waiting ones reading Pending; CANCEL_NEW ends the
 * extra run Cancelled, saying why; the limit follows the deployment's changes and its deletion.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, startWorker, uid, type TestWorker } from './helpers';
import { mostAtOnce, type Span } from './limit-spans';

describe('deployment concurrency limits', { timeout: 300_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'limits') });
    api = await startTestApi(w.client);
  });
  after(async () => {
    await api?.close();
    await w?.stop();
  });

  test('ENQUEUE: three runs of a deployment limited to 1 run one after another; a waiting run reads Pending', { timeout: 120_000 }, async () => {
    const name = uid('dep-enqueue');
    await w.client.deployments.apply({
      name,
      flow: 'limits-sleepy',
      taskQueue: w.taskQueue,
      // Long enough that two runs still wait when the states are read, on a slow machine too.
      parameters: { ms: 6_000 },
      concurrencyLimit: { limit: 1, collisionStrategy: 'ENQUEUE' },
    });
    try {
      const runs: { id: string; result(): Promise<unknown> }[] = [];
      for (let i = 0; i < 3; i++) runs.push((await w.client.deployments.run(name)).handle);
      const waiting = await eventually(async () => {
        const states = await Promise.all(runs.map(async (r) => (await w.client.flowRuns.get(r.id)).state));
        return states.filter((s) => s === 'Running').length === 1 && states.filter((s) => s === 'Pending').length === 2 ? states : undefined;
      }, 30_000);
      assert.equal(waiting.length, 3);
      const limit = await w.client.concurrencyLimits.get(`deployment:${name}`);
      assert.equal(limit.slots, 1);
      assert.equal(limit.waiters.length, 2);
      const spans = (await Promise.all(runs.map((r) => r.result()))) as Span[];
      assert.equal(mostAtOnce(spans), 1, JSON.stringify(spans));
      for (const r of runs) assert.equal((await w.client.flowRuns.get(r.id)).state, 'Completed');
    } finally {
      await w.client.deployments.delete(name).catch(() => undefined);
    }
    assert.equal(
      (await api.call('GET', `/api/concurrency-limits/${encodeURIComponent(`deployment:${name}`)}`)).status,
      404,
      'deleting the deployment deletes its limit',
    );
  });

  test('CANCEL_NEW: a run started while the limit is full ends Cancelled at once, saying why; the running one completes', { timeout: 120_000 }, async () => {
    const name = uid('dep-cancel');
    const created = await api.call('POST', '/api/deployments', {
      name,
      flow: 'limits-sleepy',
      taskQueue: w.taskQueue,
      // Long enough that the second run asks while the first still holds, on a slow machine too.
      parameters: { ms: 10_000 },
      concurrencyLimit: { limit: 1, collisionStrategy: 'CANCEL_NEW' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.concurrencyLimit, { limit: 1, collisionStrategy: 'CANCEL_NEW' });
    try {
      const first = (await w.client.deployments.run(name)).handle;
      await eventually(async () => ((await w.client.concurrencyLimits.get(`deployment:${name}`)).holders.length === 1 ? true : undefined));
      const second = (await w.client.deployments.run(name)).handle;
      const cancelled = await eventually(async () => {
        const run = await w.client.flowRuns.get(second.id);
        return run.state === 'Cancelled' ? run : undefined;
      }, 30_000);
      assert.equal(cancelled.error?.type, 'ConcurrencyLimitCollision');
      assert.match(cancelled.error?.message ?? '', new RegExp(`CANCEL_NEW: the concurrency limit 'deployment:${name}' has no free slot`));
      await first.result();
      assert.equal((await w.client.flowRuns.get(first.id)).state, 'Completed');
      // Free again: the next run goes through.
      const third = (await w.client.deployments.run(name)).handle;
      await third.result();

      // Raising the limit changes the limit's slots; removing it deletes the limit.
      const raised = await api.call('PATCH', `/api/deployments/${name}`, { concurrencyLimit: { limit: 2 } });
      assert.equal(raised.status, 200, JSON.stringify(raised.body));
      assert.deepEqual(raised.body.concurrencyLimit, { limit: 2, collisionStrategy: 'ENQUEUE' });
      // Sent as a signal: the limit takes it as soon as its worker runs it.
      await eventually(async () => ((await w.client.concurrencyLimits.get(`deployment:${name}`)).slots === 2 ? true : undefined));
      const removed = await api.call('PATCH', `/api/deployments/${name}`, { concurrencyLimit: null });
      assert.equal(removed.body.concurrencyLimit, null);
      assert.equal((await api.call('GET', `/api/concurrency-limits/${encodeURIComponent(`deployment:${name}`)}`)).status, 404);
    } finally {
      await w.client.deployments.delete(name).catch(() => undefined);
    }
  });

  test(
    'a deployment whose task queue no worker polls yet: its limit changes, it pauses and resumes; the worker that comes takes the slots last set',
    { timeout: 120_000 },
    async () => {
      const name = uid('dep-idle');
      const taskQueue = uid('tq-idle');
      const created = await api.call('POST', '/api/deployments', {
        name,
        flow: 'limits-sleepy',
        taskQueue,
        parameters: { ms: 10 },
        schedules: [{ intervalSeconds: 3_600 }],
        concurrencyLimit: { limit: 1 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      let late: TestWorker | undefined;
      try {
        for (const limit of [3, 4]) {
          const changed = await api.call('PATCH', `/api/deployments/${name}`, { concurrencyLimit: { limit } });
          assert.equal(changed.status, 200, JSON.stringify(changed.body));
          assert.equal(changed.body.concurrencyLimit.limit, limit);
        }
        assert.equal((await api.call('POST', `/api/deployments/${name}/pause`)).status, 200);
        assert.equal((await api.call('POST', `/api/deployments/${name}/resume`)).status, 200);
        // Read without a worker: the settings as created (the changes wait in the limit's history).
        const listed = await eventually(async () => {
          const all = await api.call('GET', '/api/concurrency-limits');
          assert.equal(all.status, 200, JSON.stringify(all.body));
          return all.body.limits.find((l: { name: string }) => l.name === `deployment:${name}`);
        });
        assert.deepEqual([listed.live, listed.slots], [false, 1]);

        late = await startWorker({ flows: path.join(FIXTURES, 'limits'), taskQueue });
        await eventually(async () => ((await w.client.concurrencyLimits.get(`deployment:${name}`)).slots === 4 ? true : undefined), 30_000);
        const run = (await w.client.deployments.run(name)).handle;
        await run.result();
      } finally {
        await w.client.deployments.delete(name).catch(() => undefined);
        await late?.stop();
      }
    },
  );

  test('a bad concurrencyLimit is refused naming the field, and creates nothing', { timeout: 60_000 }, async () => {
    const name = uid('dep-bad');
    for (const [concurrencyLimit, field] of [
      [{ limit: 0 }, 'concurrencyLimit.limit'],
      [{ limit: 1, collisionStrategy: 'DROP' }, 'concurrencyLimit.collisionStrategy'],
      [{ limit: 1, extra: true }, 'concurrencyLimit'],
    ] as [unknown, string][]) {
      const res = await api.call('POST', '/api/deployments', { name, flow: 'limits-sleepy', taskQueue: w.taskQueue, parameters: { ms: 1 }, concurrencyLimit });
      assert.equal(res.status, 400, JSON.stringify(concurrencyLimit));
      assert.ok(
        res.body.error.details.some((d: { path: string }) => d.path === field),
        `${JSON.stringify(concurrencyLimit)}: ${JSON.stringify(res.body)}`,
      );
    }
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404);
    assert.equal((await api.call('GET', `/api/concurrency-limits/${encodeURIComponent(`deployment:${name}`)}`)).status, 404);
  });
});
