/**
 * Local tasks (`local: true`, a flow's `localTasks`): run as Temporal local activities in the
 * flow's worker, with retries, timeouts, caching, run names, errors, streams and the task-run
 * listing as for regular tasks; and what a worker killed mid-task really does to them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { FlowRunFailedError, NonRetryableError, TaskTimeoutError } from '../src';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import type { StreamItem } from '../src/core/stream';
import { eventually, FIXTURES, readLines, ROOT, startWorker, tempDir, testTarget, uid, type TestWorker } from './helpers';

const LOCAL = path.join(FIXTURES, 'local');
const E = temporal.api.enums.v1.EventType;
const TIMEOUT = { timeout: 60_000 };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function historyOf(client: BatonClient, id: string): Promise<HistoryEvent[]> {
  return (await client.temporal.workflow.getHandle(id).fetchHistory()).events ?? [];
}

/** Activity types scheduled as regular activities, and local activity types recorded, in order. */
function scheduledKinds(events: HistoryEvent[]): { regular: string[]; local: string[] } {
  const regular: string[] = [];
  const local: string[] = [];
  for (const e of events) {
    if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) regular.push(e.activityTaskScheduledEventAttributes!.activityType!.name!);
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName === 'core_local_activity') {
      const data = JSON.parse(Buffer.from(m.details!.data!.payloads![0]!.data!).toString()) as { activity_type: string };
      local.push(data.activity_type);
    }
  }
  return { regular, local: local.filter((t) => !t.startsWith('baton.')) };
}

/** A task run as JSON (what the API sends) without what differs between any two runs (ids, names, times). */
function shape(run: object): Record<string, unknown> {
  const { id: _id, startTime, endTime, name: _name, ...rest } = JSON.parse(JSON.stringify(run)) as Record<string, unknown>;
  return { ...rest, hasStart: typeof startTime === 'string', hasEnd: typeof endTime === 'string' };
}

describe('local tasks', { timeout: 300_000 }, () => {
  let w: TestWorker;
  const dir = tempDir();
  before(async () => {
    w = await startWorker({ flows: LOCAL });
  });
  after(async () => {
    await w?.stop();
  });

  test('retries with a delay list: attempts 1..4, each gap at least its delay, one task run with 4 attempts and its run name', TIMEOUT, async () => {
    const key = uid('flaky');
    const handle = await w.client.flowRuns.start('call-local', { task: 'localFlaky', args: [{ dir, key }, 3] });
    assert.deepEqual(await handle.result(), { attempt: 4, failures: 3 });
    const lines = readLines(dir, key);
    assert.deepEqual(
      lines.map((l) => [l.attempt, l.failures]),
      [
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
      ],
    );
    const gaps = lines.slice(1).map((l, i) => (l.at as number) - (lines[i]!.at as number));
    [200, 600, 1200].forEach((delay, i) => assert.ok(gaps[i]! >= delay - 20, `gap ${i} was ${gaps[i]} ms, want ≥ ${delay}`));
    assert.ok(gaps[2]! < 5_000, `gaps ${gaps}: the last delay is 1.2 s`);
    // It ran as a local activity: recorded as a marker, never scheduled through the server.
    assert.deepEqual(scheduledKinds(await historyOf(w.client, handle.id)), { regular: [], local: ['local-flaky'] });
    const runs = await w.client.flowRuns.taskRuns(handle.id);
    assert.equal(runs.length, 1);
    const [run] = runs;
    assert.equal(run!.name, 'local-flaky');
    assert.equal(run!.runName, `flaky-${key}`);
    assert.equal(run!.state, 'Completed');
    assert.equal(run!.attempts, 4);
    assert.ok(run!.id.startsWith(`${handle.id}:`) && /^\d+$/.test(run!.id.slice(handle.id.length + 1)), `task run id ${run!.id}`);
    assert.ok(Date.parse(run!.endTime!) - Date.parse(run!.startTime!) >= 2_000 - 50, `${run!.startTime} → ${run!.endTime} spans the 2 s of delays`);
  });

  test('RetryAfterError sets the next delay, then the exponential backoff; a retry condition stops retrying', TIMEOUT, async () => {
    const key = uid('after');
    assert.equal(await w.client.flowRuns.run('call-local', { task: 'localRetryAfter', args: [{ dir, key }] }), 4);
    const lines = readLines(dir, key);
    const gaps = lines.slice(1).map((l, i) => (l.at as number) - (lines[i]!.at as number));
    // 0.8 s asked for, then 0.3 × 2^(n-1): 0.6 s and 1.2 s for the second and third retries.
    [800, 600, 1200].forEach((delay, i) => assert.ok(gaps[i]! >= delay - 20 && gaps[i]! < delay + 1_500, `gap ${i} was ${gaps[i]} ms, want ≈ ${delay}`));

    const condKey = uid('cond');
    const handle = await w.client.flowRuns.start('call-local', { task: 'localConditioned', args: [{ dir, key: condKey }] });
    await assert.rejects(handle.result(), /fatal problem/);
    assert.equal(readLines(dir, condKey).length, 2, 'retried once, then the condition said no');
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual([run!.state, run!.attempts, run!.error?.message], ['Failed', 2, 'fatal problem']);
  });

  test('a local retry delay of a minute or more is a durable timer: the task run reads Retrying meanwhile, Cancelled if the run is', TIMEOUT, async () => {
    const key = uid('later');
    const handle = await w.client.flowRuns.start('call-local', { task: 'localRetryLater', args: [{ dir, key }] });
    const retrying = await eventually(async () => {
      const runs = await w.client.flowRuns.taskRuns(handle.id);
      return runs[0]?.state === 'Retrying' ? runs : undefined;
    });
    assert.equal(retrying.length, 1);
    assert.deepEqual([retrying[0]!.name, retrying[0]!.attempts, retrying[0]!.error?.message], ['local-retry-later', 1, 'not yet']);
    assert.ok(
      (await historyOf(w.client, handle.id)).some((e) => e.eventType === E.EVENT_TYPE_TIMER_STARTED),
      'the wait is a timer',
    );
    await w.client.flowRuns.cancel(handle.id);
    await assert.rejects(handle.result());
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual([run!.state, run!.attempts], ['Cancelled', 1]);
    assert.equal(readLines(dir, key).length, 1);
  });

  test('the listing of a local task reads exactly like a regular one (flow run API shape)', TIMEOUT, async () => {
    const localKey = uid('same');
    const localRun = await w.client.flowRuns.start('call-local', { task: 'localFlaky', args: [{ dir, key: localKey }, 1] });
    await localRun.result();
    const regularRun = await w.client.flowRuns.start('call-local', { task: 'regularFlaky', args: [{ dir: path.join(dir, 'regular'), key: localKey }, 1] });
    await regularRun.result();
    const [local] = (await w.client.flowRuns.get(localRun.id)).taskRuns;
    const [regular] = (await w.client.flowRuns.get(regularRun.id)).taskRuns;
    assert.equal(local!.name, 'local-flaky');
    assert.equal(regular!.name, 'regular-flaky');
    assert.deepEqual(shape(local!), shape(regular!));
    assert.deepEqual(shape(local!), { kind: 'task', runName: `flaky-${localKey}`, state: 'Completed', attempts: 2, hasStart: true, hasEnd: true });
  });

  test('NonRetryableError stops a local task at attempt 1 and keeps its type in the flow, the client and the listing', TIMEOUT, async () => {
    const key = uid('refuses');
    const handle = await w.client.flowRuns.start('call-local', { task: 'localRefuses', args: [{ dir, key }] });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof FlowRunFailedError);
      assert.ok(err.cause instanceof NonRetryableError, `cause was ${String(err.cause)}`);
      assert.match(err.message, /bad input: no point retrying/);
      return true;
    });
    assert.equal(readLines(dir, key).length, 1);
    const info = await handle.describe();
    assert.equal(info.state, 'Failed');
    assert.equal(info.error?.type, 'NonRetryableError');
    const [run] = info.taskRuns;
    assert.deepEqual([run!.name, run!.state, run!.attempts, run!.error?.type], ['local-refuses', 'Failed', 1, 'NonRetryableError']);
    assert.match(run!.error!.message, /bad input/);
  });

  test('a local task past its timeoutSeconds fails TimedOut after its retry, with TaskTimeoutError in the flow and the client', TIMEOUT, async () => {
    const key = uid('slow');
    const handle = await w.client.flowRuns.start('call-local', { task: 'localSlow', args: [{ dir, key }] });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof FlowRunFailedError);
      assert.ok(err.cause instanceof TaskTimeoutError, `cause was ${String(err.cause)}`);
      return true;
    });
    assert.deepEqual(
      readLines(dir, key).map((l) => l.attempt),
      [1, 2],
    );
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual([run!.name, run!.state, run!.attempts, run!.error?.type], ['local-slow', 'TimedOut', 2, 'TaskTimeoutError']);
  });

  test('caching: the second call with the same input is Cached and runs nothing; both show their run name', TIMEOUT, async () => {
    const key = uid('cached');
    const handle = await w.client.flowRuns.start('local-cached-twice', { probe: { dir, key }, x: 7 });
    assert.deepEqual(await handle.result(), [49, 49]);
    assert.equal(readLines(dir, key).length, 1, 'the task ran once');
    const runs = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual(
      runs.map((r) => [r.name, r.runName, r.state]),
      [
        ['local-cached', 'square-7', 'Completed'],
        ['local-cached', 'square-7', 'Cached'],
      ],
    );
    assert.deepEqual(scheduledKinds(await historyOf(w.client, handle.id)).regular, []);
  });

  test('a local task streams to its own flow run: every chunk in order, once, and the run completes', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('call-local', { task: 'localStream', args: [5] });
    const items: StreamItem[] = [];
    for await (const item of run.stream({ topics: ['tokens'] })) items.push(item);
    assert.equal(await run.result(), 5);
    assert.deepEqual(
      items.map((i) => [i.topic, i.value, i.attempt]),
      [0, 1, 2, 3, 4].map((v) => ['tokens', v, 1]),
    );
    const events = await historyOf(w.client, run.id);
    assert.equal(events.filter((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_FAILED).length, 0, 'no workflow task failed on the stream signals');
    assert.deepEqual(scheduledKinds(events), { regular: [], local: ['local-stream'] });
    const [taskRun] = await w.client.flowRuns.taskRuns(run.id);
    assert.deepEqual([taskRun!.name, taskRun!.state, taskRun!.attempts], ['local-stream', 'Completed', 1]);
  });

  test("a flow's localTasks runs its tasks locally; a task's local: false keeps it regular; without it tasks are regular", TIMEOUT, async () => {
    const key = uid('default');
    const local = await w.client.flowRuns.start('local-by-default', { probe: { dir, key } });
    assert.deepEqual(await local.result(), ['follows', 'regular']);
    assert.deepEqual(scheduledKinds(await historyOf(w.client, local.id)), { regular: ['stays-regular'], local: ['follows'] });
    assert.deepEqual(
      (await w.client.flowRuns.taskRuns(local.id)).map((r) => [r.name, r.state, r.attempts]),
      [
        ['follows', 'Completed', 1],
        ['stays-regular', 'Completed', 1],
      ],
    );
    const regular = await w.client.flowRuns.start('regular-by-default', { probe: { dir, key: `${key}-r` } });
    assert.deepEqual(await regular.result(), ['follows']);
    assert.deepEqual(scheduledKinds(await historyOf(w.client, regular.id)), { regular: ['follows'], local: [] });
  });

  test("a large map in a flow with localTasks: its shards run the items as local activities too, and the map's results and task runs are whole", TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('local-sharded-map', { count: 25, shardSize: 10 });
    assert.deepEqual(
      await run.result(),
      Array.from({ length: 25 }, (_, i) => (i + 1) * 2),
    );
    const shards = (await w.client.flowRuns.taskRuns(run.id)).filter((r) => r.name === 'baton.map-shard');
    assert.deepEqual(
      shards.map((r) => r.state),
      ['Completed', 'Completed', 'Completed'],
    );
    for (const [k, items] of [
      [1, 10],
      [2, 10],
      [3, 5],
    ] as const) {
      const kinds = scheduledKinds(await historyOf(w.client, `${run.id}/local-double-map1-${k}`));
      assert.deepEqual(kinds, { regular: [], local: Array.from({ length: items }, () => 'local-double') }, `shard ${k}`);
    }
  });

  test('a local task longer than the workflow task timeout (10 s) completes: the SDK heartbeats the workflow task', { timeout: 90_000 }, async () => {
    const handle = await w.client.flowRuns.start('local-steps', { probe: { dir, key: uid('long') }, count: 1, ms: 21_000 });
    assert.deepEqual(await handle.result(), [1]);
    const events = await historyOf(w.client, handle.id);
    const marker = events.findIndex((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && scheduledKinds([e]).local.length === 1);
    const before = events.slice(0, marker);
    const completed = before.filter((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
    const timedOut = events.filter((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT || e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
    // The task ran 21 s in workflow tasks of 10 s: the SDK completed one at about 8 s and 16 s to keep going.
    assert.ok(completed >= 3, `workflow tasks completed before the local task's marker: ${completed}`);
    assert.equal(timedOut, 0);
    console.log(`# a 21 s local task: ${completed} workflow tasks completed before its result was recorded, none timed out`);
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual([run!.runName, run!.state, run!.attempts], ['step-1', 'Completed', 1]);
  });
});

function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', LOCAL, '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('local tasks and a worker killed with SIGKILL', { timeout: 240_000 }, () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  test('local tasks whose results were not yet recorded run again, from attempt 1, on the next worker; recorded ones never', { timeout: 180_000 }, async () => {
    const taskQueue = uid('local-crash');
    const dir = tempDir();
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [] });
    try {
      const first = spawnWorker(taskQueue);
      children.push(first);
      const { workflowId: id } = await client.temporal.workflow.start('local-steps', {
        taskQueue,
        workflowId: uid('local-steps'),
        args: [{ probe: { dir, key: 'unused' }, count: 6, ms: 2_000 }],
      });
      // Six 2 s steps in a row: kill the worker once the sixth has started (about 10 s in).
      await eventually(() => readLines(dir, 'step-6').length > 0 || undefined, 90_000);
      first.kill('SIGKILL');
      await exited(first);
      const doneAtKill = [1, 2, 3, 4, 5, 6].filter((i) => readLines(dir, `step-${i}`).some((l) => l.event === 'done'));
      const recordedAtKill = scheduledKinds(await historyOf(client, id)).local.length;
      assert.deepEqual(doneAtKill, [1, 2, 3, 4, 5]);

      const second = spawnWorker(taskQueue);
      children.push(second);
      assert.deepEqual(await client.temporal.workflow.getHandle(id).result(), [1, 2, 3, 4, 5, 6]);
      const rerun: number[] = [];
      for (let i = 1; i <= 6; i++) {
        const starts = readLines(dir, `step-${i}`).filter((l) => l.event === 'start');
        if (i <= recordedAtKill) {
          assert.equal(starts.length, 1, `step ${i} was recorded before the kill and must not run again`);
        } else {
          // Finished or not, a result the history did not hold yet is lost with the worker.
          assert.equal(starts.length, 2, `step ${i} was not recorded at the kill and runs again`);
          assert.deepEqual(
            starts.map((l) => [l.pid === first.pid ? 'first' : 'second', l.attempt]),
            [
              ['first', 1],
              ['second', 1],
            ],
            `step ${i}: the crash did not use up an attempt`,
          );
          rerun.push(i);
        }
      }
      // The SDK records local results when it completes a workflow task: at the latest every ~8 s
      // (80% of the 10 s workflow task timeout), so some of the five finished steps were recorded.
      assert.ok(recordedAtKill >= 1 && recordedAtKill <= 5, `recorded at the kill: ${recordedAtKill}`);
      console.log(`# killed at step 6 of 6 × 2 s: ${recordedAtKill} step(s) recorded at the kill; steps ${rerun.join(', ')} ran again`);
      const runs = (await client.flowRuns.get(id)).taskRuns;
      assert.deepEqual(
        runs.map((r) => [r.runName, r.state, r.attempts]),
        [1, 2, 3, 4, 5, 6].map((i) => [`step-${i}`, 'Completed', 1]),
      );
      second.kill('SIGTERM');
      await exited(second);
    } finally {
      await client.close();
    }
  });
});
