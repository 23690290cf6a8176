import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { RUN_STATE } from '../src/core/search-attributes';
import { eventually, readLines, scheduledWhilePaused, startWorker, tempDir, uid, type TestWorker } from './helpers';

interface BigMapOut {
  length: number;
  counts: Record<string, number>;
  sameStates: boolean;
  inOrder?: boolean;
  head?: number[];
  error?: { name: string; message: string; errorName: string; taskName: string };
  failed: number[];
  firstFailure?: string;
  lastRunName?: string;
}

describe('maps past one workflow: shards over child workflows', () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  const status = async (workflowId: string) => (await w.client.temporal.workflow.getHandle(workflowId).describe()).status.name;

  test('2,500 items (over the 2,000 pending tasks one workflow may have) complete in input order', async () => {
    const handle = await w.client.flowRuns.start<unknown, BigMapOut>('big-map', { count: 2_500 });
    const out = await handle.result();
    assert.equal(out.length, 2_500);
    assert.deepEqual(out.counts, { Completed: 2_500 });
    assert.equal(out.inOrder, true);
    assert.deepEqual(out.head, [0, 1, 4]);
    assert.equal(out.sameStates, true);
    assert.equal(out.lastRunName, 'square-2499');
    // Three shards of up to 1,000 items, each a child workflow of the flow run.
    for (const k of [1, 2, 3]) assert.equal(await status(`${handle.id}/square-map1-${k}`), 'COMPLETED');
    await assert.rejects(status(`${handle.id}/square-map1-4`), WorkflowNotFoundError);
    const shards = (await w.client.flowRuns.taskRuns(handle.id)).filter((r) => r.name === 'baton.map-shard');
    assert.deepEqual(
      shards.map((r) => [r.runName, r.state]),
      [
        ['square: items 1–1000 of 2500', 'Completed'],
        ['square: items 1001–2000 of 2500', 'Completed'],
        ['square: items 2001–2500 of 2500', 'Completed'],
      ],
    );
    // Shards are not flow runs.
    const listed = await w.client.flowRuns.list({ pageSize: 1_000 });
    assert.ok(!listed.flowRuns.some((r) => r.id.startsWith(`${handle.id}/`)));
  });

  test('per-item failures read the same whether the map is sharded or not', async () => {
    const sharded = await w.client.flowRuns.run<unknown, BigMapOut>('big-map', { count: 30, shardSize: 10, failEvery: 7 });
    const whole = await w.client.flowRuns.run<unknown, BigMapOut>('big-map', { count: 30, failEvery: 7 });
    assert.deepEqual(sharded.counts, { Completed: 26, Failed: 4 });
    assert.deepEqual(sharded.failed, [7, 14, 21, 28]);
    assert.equal(sharded.firstFailure, '7 is a multiple of 7');
    assert.deepEqual(sharded.error, { name: 'TaskFailedError', message: '7 is a multiple of 7', errorName: 'RangeError', taskName: 'square' });
    assert.equal(sharded.sameStates, true);
    assert.deepEqual(sharded, whole);
  });

  test('resuming a failed run re-runs only the failed items; shards with failures show Failed', async () => {
    const dir = tempDir();
    const probe = { dir, key: 'x' };
    const handle = await w.client.flowRuns.start('resumable-map', { probe, count: 12, failAt: 6, shardSize: 4 });
    await assert.rejects(handle.result(), /step 6 is broken/);
    const ran = () => Array.from({ length: 12 }, (_, i) => readLines(dir, `ran-${i}`).length);
    assert.deepEqual(ran(), [1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1], 'item 6 failed twice (retries 1)');
    const shardStates = async () => (await w.client.flowRuns.taskRuns(handle.id)).filter((r) => r.name === 'baton.map-shard').map((r) => r.state);
    assert.deepEqual(await shardStates(), ['Completed', 'Failed', 'Completed']);

    fs.writeFileSync(path.join(dir, 'fixed'), 'yes');
    const { mode } = await w.client.flowRuns.retry(handle.id);
    assert.equal(mode, 'from-failure');
    assert.deepEqual(await w.client.flowRuns.result(handle.id), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    assert.deepEqual(ran(), [1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1], 'only item 6 ran again');
    assert.deepEqual(await shardStates(), ['Completed', 'Completed', 'Completed']);
  });

  test('concurrency caps a sharded map as a whole', async () => {
    const dir = tempDir();
    const probe = { dir, key: 'stamps' };
    const result = await w.client.flowRuns.run<unknown, number[]>('pausable-map', { probe, count: 9, ms: 150, shardSize: 3 });
    assert.deepEqual(result, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const stamps = readLines(dir, 'stamps') as { start: number; end: number }[];
    const most = Math.max(...stamps.map((s) => stamps.filter((o) => o.start < s.end && o.end > s.start).length));
    assert.ok(most <= 2, `${most} ran at once with concurrency 2`);
  });

  test('a shard continues as new when its history grows long, and keeps every outcome', async () => {
    const workflowId = uid('shard');
    const rows = Array.from({ length: 40 }, (_, i) => [i, 7]);
    const handle = await w.client.temporal.workflow.start('baton.map-shard', {
      taskQueue: w.taskQueue,
      workflowId,
      args: [{ task: 'square', rows, concurrency: 4, flowParameters: undefined, chain: workflowId, historyEvents: 30 }],
    });
    // Items failed, so the shard fails, with every item's outcome in the failure's details.
    const failure = await handle.result().then(
      () => assert.fail('the shard should fail: some of its items failed'),
      (err: WorkflowFailedError) => err.cause as ApplicationFailure,
    );
    assert.equal(failure.type, 'BatonMapShardItemsFailed');
    assert.equal(failure.message, '5 of 40 items failed; the first, item 8: 7 is a multiple of 7');
    const outcomes = failure.details![0] as { ok: boolean; value?: number; state?: string; error?: { type: string; message: string } }[];
    assert.equal(outcomes.length, 40);
    outcomes.forEach((o, i) => {
      if (i > 0 && i % 7 === 0) {
        assert.equal(o.ok, false);
        assert.equal(o.state, 'Failed');
        assert.equal(o.error?.message, `${i} is a multiple of 7`);
      } else assert.deepEqual(o, { ok: true, value: i * i });
    });
    const runs = await eventually(async () => {
      const found: string[] = [];
      for await (const e of w.client.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) found.push(e.status.name);
      return found.length > 1 ? found : undefined;
    });
    assert.ok(runs.filter((s) => s === 'CONTINUED_AS_NEW').length >= 2, `runs: ${runs.join(', ')}`);
  });

  test('an outside pause reaches the running shard; once it has, nothing starts until resume', async () => {
    const dir = tempDir();
    const probe = { dir, key: 'stamps' };
    // Shard 1 runs 8 items two at a time for 1 s each: the pause has seconds to reach it while it runs.
    const handle = await w.client.flowRuns.start('pausable-map', { probe, count: 24, ms: 1_000, shardSize: 8 });
    await eventually(() => (readLines(dir, 'stamps').length >= 2 ? true : undefined));
    await w.client.flowRuns.pause(handle.id);
    // The pause reaches the shard as a signal from the flow: from then on nothing may start.
    const shard = w.client.temporal.workflow.getHandle(`${handle.id}/stamp-map1-1`);
    await eventually(async () => ((await shard.describe()).typedSearchAttributes.get(RUN_STATE) === 'Paused' ? true : undefined));
    await new Promise((r) => setTimeout(r, 2_000));
    const resumedAt = Date.now();
    await w.client.flowRuns.resume(handle.id);
    assert.deepEqual(
      await handle.result(),
      Array.from({ length: 24 }, (_, i) => i),
    );
    for (const id of [handle.id, ...[1, 2, 3].map((k) => `${handle.id}/stamp-map1-${k}`)]) {
      assert.deepEqual(await scheduledWhilePaused(w.client.temporal, id), [], `${id}: nothing scheduled between the pause and the resume`);
    }
    const stamps = readLines(dir, 'stamps') as { index: number; start: number }[];
    assert.ok(
      stamps.some((s) => s.start >= resumedAt),
      'work went on after resume',
    );
  });

  test('cancelling the flow cancels its shards', async () => {
    const dir = tempDir();
    const probe = { dir, key: 'stamps' };
    const handle = await w.client.flowRuns.start('pausable-map', { probe, count: 40, ms: 1_000, shardSize: 10 });
    await eventually(() => (readLines(dir, 'stamps').length >= 1 ? true : undefined));
    await w.client.flowRuns.cancel(handle.id);
    await eventually(async () => ((await w.client.flowRuns.get(handle.id)).state === 'Cancelled' ? true : undefined));
    assert.equal(await status(`${handle.id}/stamp-map1-1`), 'CANCELLED');
    await assert.rejects(status(`${handle.id}/stamp-map1-2`), WorkflowNotFoundError);
    assert.ok(readLines(dir, 'stamps').length < 10, 'the rest of the items never ran');
  });

  test('a bad shard size fails the run with a clear error', async () => {
    await assert.rejects(w.client.flowRuns.run('big-map', { count: 3, shardSize: 0 }), /shardSize must be a whole number from 1 to 10000/);
  });
});
