/**
 * State hooks: each runs as a task run of its own, read back from the run's history and its
 * task-run listing; a failing hook never changes the run's outcome.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { task, type FlowHookContext, type TaskHookContext } from '../src';
import { BatonClient } from '../src/client/client';
import { decodePayload } from '../src/client/temporal-values';
import { dataConverter, loadConfig } from '../src/config';
import { flow, tasks } from '../src/workflows';
import { collectDeclarations } from '../src/workers/load-module';
import { withHookTasks } from '../src/workers/hook-tasks';
import { replayWorkerOptions } from '../src/workers/replay';
import { eventually, FIXTURES, ROOT, startWorker, testTarget, uid, type TestWorker } from './helpers';
import * as fixtures from './fixtures/hooks';

const HOOKS = path.join(FIXTURES, 'hooks');
const E = temporal.api.enums.v1.EventType;

/** The hook task runs one Temporal run of a flow run scheduled, in order: run name, task, and the context it was given. */
async function hookRuns(client: BatonClient, flowRunId: string, runId?: string): Promise<{ runName: string; task: string; context: Record<string, unknown> }[]> {
  const history = await client.temporal.workflow.getHandle(flowRunId, runId).fetchHistory();
  const found = [];
  for (const e of history.events ?? []) {
    if (e.eventType !== E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const runName = decodePayload(e.userMetadata?.summary as Payload | undefined);
    if (typeof runName !== 'string' || !runName.startsWith('on-')) continue;
    const a = e.activityTaskScheduledEventAttributes!;
    found.push({ runName, task: a.activityType?.name ?? '', context: decodePayload(a.input?.payloads?.[0] as Payload) as Record<string, unknown> });
  }
  return found;
}

describe('hooks', { timeout: 240_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker({ flows: HOOKS });
  });
  after(async () => {
    await w?.stop();
  });

  const stateOf = async (id: string) => (await w.client.flowRuns.get(id)).state;

  test('onRunning before the body and onCompletion after it: once each, with the run context and no parameters', async () => {
    const run = await w.client.flowRuns.start('hooks-flow', { mode: 'ok' });
    assert.equal(await run.result(), 'worked: ok');
    assert.equal(await stateOf(run.id), 'Completed');
    const taskRuns = await w.client.flowRuns.taskRuns(run.id);
    assert.deepEqual(
      taskRuns.map((r) => [r.name, r.runName ?? null, r.state]),
      [
        ['hooks-notify', 'on-running: hooks-notify', 'Completed'],
        ['hooks-work', null, 'Completed'],
        ['hooks-notify', 'on-completion: hooks-notify', 'Completed'],
      ],
    );
    const base = { flowName: 'hooks-flow', flowRunId: run.id, runName: 'hooked-ok', attempt: 1 };
    assert.deepEqual(
      (await hookRuns(w.client, run.id)).map((h) => h.context),
      [
        { hook: 'onRunning', state: 'Running', ...base },
        { hook: 'onCompletion', state: 'Completed', ...base },
      ] satisfies FlowHookContext[],
    );
  });

  test('onFailure runs once, after the last attempt; onRunning runs on every attempt', async () => {
    const run = await w.client.flowRuns.start('hooks-flow', { mode: 'fail' });
    await assert.rejects(run.result(), /the work broke/);
    assert.equal((await w.client.temporal.workflow.getHandle(run.id).describe()).status.name, 'FAILED');
    const attempts: { runId: string; attempt: number }[] = [];
    for await (const execution of w.client.temporal.workflow.list({ query: `WorkflowId = '${run.id}'` })) {
      const history = await w.client.temporal.workflow.getHandle(run.id, execution.runId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      attempts.push({ runId: execution.runId, attempt: started?.attempt ?? 0 });
    }
    attempts.sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2],
    );
    const first = await hookRuns(w.client, run.id, attempts[0]!.runId);
    assert.deepEqual(
      first.map((h) => [h.runName, h.context.attempt]),
      [['on-running: hooks-notify', 1]],
      'the retried attempt runs no onFailure',
    );
    const last = await hookRuns(w.client, run.id, attempts[1]!.runId);
    assert.deepEqual(
      last.map((h) => [h.runName, h.context.attempt, h.context.state]),
      [
        ['on-running: hooks-notify', 2, 'Running'],
        ['on-failure: hooks-notify', 2, 'Failed'],
      ],
    );
    const error = last[1]!.context.error as { type: string; message: string };
    assert.match(error.message, /the work broke/);
    assert.equal(typeof error.type, 'string');
    const failureHook = (await w.client.flowRuns.taskRuns(run.id)).find((r) => r.runName === 'on-failure: hooks-notify');
    assert.equal(failureHook?.state, 'Completed');
  });

  test('onCancellation runs to its end although the run is cancelled; the run ends Cancelled', async () => {
    const run = await w.client.flowRuns.start('hooks-flow', { mode: 'wait' });
    await eventually(async () => (await w.client.flowRuns.taskRuns(run.id)).some((r) => r.name === 'hooks-work' && r.state === 'Running') || undefined, 30_000);
    await w.client.flowRuns.cancel(run.id);
    await eventually(async () => ((await stateOf(run.id)) === 'Cancelled' ? true : undefined), 30_000);
    const hooks = await hookRuns(w.client, run.id);
    assert.deepEqual(
      hooks.map((h) => [h.runName, h.context.state]),
      [
        ['on-running: hooks-notify', 'Running'],
        ['on-cancellation: hooks-notify', 'Cancelled'],
      ],
    );
    const cancelHook = (await w.client.flowRuns.taskRuns(run.id)).find((r) => r.runName === 'on-cancellation: hooks-notify');
    assert.equal(cancelHook?.state, 'Completed');
  });

  test('a hook that fails leaves the run Completed with its result; the failed hook run stays visible and the next hook still runs', async () => {
    const run = await w.client.flowRuns.start('hooks-broken-flow');
    assert.equal(await run.result(), 'the result');
    assert.equal(await stateOf(run.id), 'Completed');
    const taskRuns = await w.client.flowRuns.taskRuns(run.id);
    assert.deepEqual(
      taskRuns.map((r) => [r.runName, r.state, r.attempts]),
      [
        ['on-completion: hooks-broken', 'Failed', 2],
        ['on-completion: hooks-notify', 'Completed', 1],
      ],
    );
    assert.equal(taskRuns[0]!.error?.message, 'the hook broke');
  });

  test('task hooks: onCompletion after a task run completes, with the task run context', async () => {
    const run = await w.client.flowRuns.start('hooks-task-flow', { mode: 'ok' });
    assert.deepEqual(await run.result(), { ok: true, value: 'worked: ok' });
    assert.deepEqual(
      (await w.client.flowRuns.taskRuns(run.id)).map((r) => [r.name, r.runName, r.state]),
      [
        ['hooks-hooked-work', 'hooked-ok', 'Completed'],
        ['hooks-notify', 'on-completion: hooks-notify', 'Completed'],
      ],
    );
    assert.deepEqual(
      (await hookRuns(w.client, run.id)).map((h) => h.context),
      [
        {
          hook: 'onCompletion',
          taskName: 'hooks-hooked-work',
          taskRunName: 'hooked-ok',
          flowName: 'hooks-task-flow',
          flowRunId: run.id,
          state: 'Completed',
        } satisfies TaskHookContext,
      ],
    );
  });

  test('task hooks: onFailure after the task spent its retries; a failing hook changes nothing the flow sees', async () => {
    const run = await w.client.flowRuns.start('hooks-task-flow', { mode: 'fail' });
    const result = (await run.result()) as { ok: boolean; error: string };
    assert.equal(result.ok, false);
    assert.match(result.error, /the hooked work broke/);
    assert.equal(await stateOf(run.id), 'Completed');
    assert.deepEqual(
      (await w.client.flowRuns.taskRuns(run.id)).map((r) => [r.runName, r.state, r.attempts]),
      [
        ['hooked-fail', 'Failed', 2],
        ['on-failure: hooks-broken', 'Failed', 2],
        ['on-failure: hooks-notify', 'Completed', 1],
      ],
    );
    const hooks = await hookRuns(w.client, run.id);
    assert.deepEqual(hooks[1]!.context, {
      hook: 'onFailure',
      taskName: 'hooks-hooked-work',
      taskRunName: 'hooked-fail',
      flowName: 'hooks-task-flow',
      flowRunId: run.id,
      state: 'Failed',
      attempts: 2,
      error: { type: 'TypeError', message: 'the hooked work broke' },
    } satisfies TaskHookContext);
  });

  test('task hooks: onCancellation when the flow is cancelled while the task runs', async () => {
    const run = await w.client.flowRuns.start('hooks-task-flow', { mode: 'wait' });
    await eventually(async () => (await w.client.flowRuns.taskRuns(run.id)).some((r) => r.runName === 'hooked-wait' && r.state === 'Running') || undefined, 30_000);
    await w.client.flowRuns.cancel(run.id);
    const hook = await eventually(
      async () => (await w.client.flowRuns.taskRuns(run.id)).find((r) => r.runName === 'on-cancellation: hooks-notify' && r.state === 'Completed'),
      30_000,
    );
    assert.equal(hook.name, 'hooks-notify');
    assert.equal((await hookRuns(w.client, run.id))[0]!.context.state, 'Cancelled');
  });

  test('onCrashed: a terminated run has its hook run by the watcher, as a task run of the watcher', async () => {
    const run = await w.client.flowRuns.start('hooks-crash-flow', { mode: 'wait' });
    await eventually(async () => (await w.client.flowRuns.taskRuns(run.id)).some((r) => r.name === 'hooks-work' && r.state === 'Running') || undefined, 30_000);
    await w.client.temporal.workflow.getHandle(run.id).terminate('a test terminates it');
    const watcher = w.client.temporal.workflow.getHandle(`${run.id}/on-crashed`);
    assert.deepEqual(await watcher.result(), { status: 'TERMINATED', hooksRun: true });
    assert.equal(await stateOf(run.id), 'Crashed');
    assert.deepEqual(
      (await hookRuns(w.client, watcher.workflowId)).map((h) => h.context),
      [{ hook: 'onCrashed', flowName: 'hooks-crash-flow', flowRunId: run.id, runName: 'crashable-wait', state: 'Crashed' }] satisfies FlowHookContext[],
    );
    const hookRun = (await w.client.flowRuns.taskRuns(watcher.workflowId)).find((r) => r.runName === 'on-crashed: hooks-notify');
    assert.equal(hookRun?.state, 'Completed');
    // The watcher is not one of the run's task runs.
    assert.deepEqual(
      (await w.client.flowRuns.taskRuns(run.id)).map((r) => r.name),
      ['hooks-work'],
    );
  });

  test('onCrashed: a run Temporal times out (execution timeout) has its hook run with state TimedOut', async () => {
    const id = uid('hooks-crash-timeout');
    await w.client.temporal.workflow.start('hooks-crash-flow', {
      taskQueue: w.taskQueue,
      workflowId: id,
      args: [{ mode: 'wait' }],
      workflowExecutionTimeout: '4 seconds',
    });
    const watcher = w.client.temporal.workflow.getHandle(`${id}/on-crashed`);
    // The run starts its watcher when a worker first runs it.
    await eventually(
      () =>
        watcher.describe().then(
          () => true,
          () => undefined,
        ),
      30_000,
    );
    assert.deepEqual(await watcher.result(), { status: 'TIMED_OUT', hooksRun: true });
    const [hook] = await hookRuns(w.client, watcher.workflowId);
    assert.equal(hook?.runName, 'on-crashed: hooks-notify');
    assert.equal(hook?.context.state, 'TimedOut');
  });

  test('onCrashed: a run that completes runs no onCrashed hook; its watcher ends with it', async () => {
    const run = await w.client.flowRuns.start('hooks-crash-flow', { mode: 'ok' });
    assert.equal(await run.result(), 'worked: ok');
    const watcher = w.client.temporal.workflow.getHandle(`${run.id}/on-crashed`);
    assert.deepEqual(await watcher.result(), { status: 'COMPLETED', hooksRun: false });
    assert.deepEqual(await hookRuns(w.client, watcher.workflowId), []);
    assert.deepEqual(
      (await w.client.flowRuns.taskRuns(run.id)).map((r) => [r.name, r.state]),
      [['hooks-work', 'Completed']],
    );
  });

  test('a run with hooks replays against the current code', { timeout: 120_000 }, async () => {
    const run = await w.client.flowRuns.start('hooks-flow', { mode: 'ok' });
    await run.result();
    const history = await w.client.temporal.workflow.getHandle(run.id).fetchHistory();
    const options = await replayWorkerOptions({ flows: HOOKS, config: loadConfig() });
    await Worker.runReplayHistory(options, history, run.id);
  });
});

describe('hooks: bad options fail with the option named', () => {
  const T = tasks<typeof fixtures>();

  test('a flow hook that is not a task', () => {
    assert.throws(
      () => flow({ name: uid('hooks-bad'), onFailure: 'notify' as never }, async () => undefined),
      /flow 'hooks-bad-\w+': onFailure must be a task \(declared with task\(\)\) or a task handle from tasks<\.\.\.>\(\), got the string 'notify'/,
    );
    assert.throws(
      () => flow({ name: 'hooks-bad-list', onCompletion: [T.notify, 3 as never] }, async () => undefined),
      /onCompletion\[1\] must be a task .*got a number/,
    );
  });

  test('a task hook that is not a task', () => {
    assert.throws(
      () => task({ name: 'hooks-bad-task', onCancellation: {} as never }, async () => undefined),
      /invalid options for task hooks-bad-task: onCancellation must be a task \(declared with task\(\)\) or a task handle from tasks<\.\.\.>\(\), got a object/,
    );
  });

  test('a flow hook naming a task the worker does not run', () => {
    const unknown = flow({ name: 'hooks-unknown-task', onFailure: (T as unknown as Record<string, { taskName: string }>).nope }, async () => undefined);
    assert.throws(
      () => withHookTasks(collectDeclarations('hooks.ts', { unknown, notify: fixtures.notify })),
      /flow 'hooks-unknown-task': onFailure names task 'nope', which this worker does not run; export it from the module given to --flows/,
    );
  });

  test('a task hook naming a task that is not exported', () => {
    const hidden = task({ name: 'hooks-hidden' }, async () => undefined);
    const owner = task({ name: 'hooks-owner', onCompletion: hidden }, async () => undefined);
    assert.throws(
      () => withHookTasks(collectDeclarations('hooks.ts', { owner })),
      /task 'hooks-owner': onCompletion names task 'hooks-hidden' this worker does not run; export it from the module given to --flows/,
    );
    const loaded = withHookTasks(collectDeclarations('hooks.ts', { owner, hidden }));
    assert.deepEqual(loaded.tasks.find((t) => t.spec.name === 'hooks-owner')?.spec.hooks, { onCompletion: ['hooks-hidden'] });
  });
});

describe('hooks: workers killed with SIGKILL', { timeout: 300_000 }, () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });
  const spawnWorker = (taskQueue: string) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', HOOKS, '--task-queue', taskQueue], {
      cwd: ROOT,
      env: { ...process.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };

  test('the hook runs again on the worker that takes over, and the run completes', async () => {
    const taskQueue = uid('hooks-kill');
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [fixtures.slowHooks] });
    try {
      const first = spawnWorker(taskQueue);
      const run = await client.flowRuns.start('hooks-slow-flow');
      await eventually(
        async () => (await client.flowRuns.taskRuns(run.id)).some((r) => r.runName === 'on-completion: hooks-slow' && r.state === 'Running') || undefined,
        90_000,
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve(undefined) : first.once('exit', resolve)));
      const second = spawnWorker(taskQueue);
      assert.equal(await run.result(), 'done');
      const history = await client.temporal.workflow.getHandle(run.id).fetchHistory();
      const completed = history.events?.find((e) => e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
      const result = decodePayload(completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0] as Payload) as { pid: number };
      assert.equal(result.pid, second.pid, 'the hook that lost its worker completed on the second');
      const hook = (await client.flowRuns.taskRuns(run.id)).find((r) => r.runName === 'on-completion: hooks-slow');
      assert.equal(hook?.state, 'Completed');
      assert.ok((hook?.attempts ?? 0) >= 2, 'a second attempt, after the crash');
      assert.equal(await (await client.flowRuns.get(run.id)).state, 'Completed');
    } finally {
      await client.close();
    }
  });

  test('onCrashed: a watcher whose worker is killed while it waits still runs the hook when the run is terminated', async () => {
    const taskQueue = uid('hooks-kill-watch');
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [fixtures.crashable] });
    try {
      const first = spawnWorker(taskQueue);
      const run = await client.flowRuns.start('hooks-crash-flow', { mode: 'wait' });
      const watcherId = `${run.id}/on-crashed`;
      await eventually(
        async () => (await client.flowRuns.taskRuns(watcherId).catch(() => [])).some((r) => r.name === 'baton.await-flow-run' && r.state === 'Running') || undefined,
        90_000,
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve(undefined) : first.once('exit', resolve)));
      spawnWorker(taskQueue);
      await client.temporal.workflow.getHandle(run.id).terminate('a test terminates it');
      assert.deepEqual(await client.temporal.workflow.getHandle(watcherId).result(), { status: 'TERMINATED', hooksRun: true });
      const hook = (await client.flowRuns.taskRuns(watcherId)).find((r) => r.runName === 'on-crashed: hooks-notify');
      assert.equal(hook?.state, 'Completed');
    } finally {
      await client.close();
    }
  });
});
