import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FlowRunFailedError, NonRetryableError } from '../src';
import path from 'node:path';
import { conditionCalls } from './fixtures/tasks';
import { DECLARED_DELAY_SECONDS } from './fixtures/retry-after/tasks';
import { FIXTURES, readLines, startWorker, tempDir, uid, eventually, type TestWorker } from './helpers';

describe('task retries', () => {
  let w: TestWorker;
  const dir = tempDir();
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  test('a task retried until it succeeds sees attempts 1..n, with the delay list in order', async () => {
    const key = uid('flaky');
    const out = await w.client.flowRuns.run('call-task', { task: 'flaky', args: [{ dir, key }, 3] });
    assert.deepEqual(out, { ok: true, value: { attempt: 4, failures: 3 } });
    const lines = readLines(dir, key);
    assert.deepEqual(
      lines.map((l) => l.attempt),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      lines.map((l) => l.failures),
      [0, 1, 2, 3],
    );
    const gaps = lines.slice(1).map((l, i) => (l.at as number) - (lines[i]!.at as number));
    // retryDelaySeconds [0.3, 1.5, 3]: each gap at least its own delay and short of the next one's
    // (the list applied out of order or shifted by one fails either bound); the delays lie far
    // enough apart that a loaded machine's slower dispatch stays inside.
    [300, 1_500, 3_000].forEach((delay, i) => assert.ok(gaps[i]! >= delay - 20, `gap ${i} was ${gaps[i]} ms, want ≥ ${delay}`));
    [1_500, 3_000, 4_500].forEach((bound, i) => assert.ok(gaps[i]! < bound, `gap ${i} was ${gaps[i]} ms, want < ${bound}`));
  });

  test('retries run out: exactly retries + 1 attempts, then Failed with the original error named', async () => {
    const key = uid('always');
    const handle = await w.client.flowRuns.start('call-task', { task: 'alwaysFails', args: [{ dir, key }] });
    const out = (await handle.result()) as Record<string, unknown>;
    assert.equal(out.ok, false);
    assert.equal(out.name, 'TaskFailedError');
    assert.equal(out.errorName, 'TypeError');
    assert.equal(out.message, 'always broken');
    assert.equal(out.taskName, 'always-fails');
    assert.equal(readLines(dir, key).length, 3);
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.equal(run!.state, 'Failed');
    assert.equal(run!.attempts, 3);
    assert.equal(run!.error?.type, 'TypeError');
  });

  test('NonRetryableError stops at attempt 1 and keeps its type in the flow', async () => {
    const key = uid('refuses');
    const out = (await w.client.flowRuns.run('call-task', { task: 'refuses', args: [{ dir, key }] })) as Record<string, unknown>;
    assert.equal(out.isNonRetryable, true);
    assert.equal(out.name, 'NonRetryableError');
    assert.equal(readLines(dir, key).length, 1);
  });

  test('NonRetryableError keeps its type through flow → client', async () => {
    const key = uid('refuses');
    const handle = await w.client.flowRuns.start('call-task', { task: 'refuses', args: [{ dir, key }], catchErrors: false });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof FlowRunFailedError);
      assert.equal(err.state, 'Failed');
      assert.ok(err.cause instanceof NonRetryableError, `cause was ${String(err.cause)}`);
      assert.match(err.message, /bad input: no point retrying/);
      return true;
    });
    const info = await handle.describe();
    assert.equal(info.state, 'Failed');
    assert.equal(info.error?.type, 'NonRetryableError');
  });

  test('the retry condition is consulted after each failure', async () => {
    const key = uid('cond');
    const handle = await w.client.flowRuns.start('call-task', { task: 'conditioned', args: [{ dir, key }, 'condition'] });
    const out = (await handle.result()) as Record<string, unknown>;
    assert.equal(out.ok, false);
    assert.equal(readLines(dir, key).length, 2, 'transient retried once, fatal stopped');
    const calls = conditionCalls.filter((c) => c.flowRunId === handle.id);
    assert.deepEqual(
      calls.map((c) => [c.failures, c.message]),
      [
        [1, 'transient glitch'],
        [2, 'fatal problem'],
      ],
    );
  });

  test('an error class listed in nonRetryableErrors fails at once', async () => {
    const key = uid('quota');
    const out = (await w.client.flowRuns.run('call-task', { task: 'conditioned', args: [{ dir, key }, 'quota'] })) as Record<string, unknown>;
    assert.equal(out.errorName, 'QuotaError');
    assert.equal(readLines(dir, key).length, 1);
  });

  test('a task timeout ends the attempt TimedOut and is retried', async () => {
    const key = uid('slow');
    const handle = await w.client.flowRuns.start('call-task', { task: 'slow', args: [{ dir, key }] });
    const out = (await handle.result()) as Record<string, unknown>;
    assert.equal(out.isTimeout, true);
    assert.equal(out.name, 'TaskTimeoutError');
    const lines = readLines(dir, key);
    assert.equal(lines.length, 2, 'one retry after the timeout');
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.equal(run!.state, 'TimedOut');
    assert.equal(run!.attempts, 2);
  });

  test('a flow timeout ends the run TimedOut', async () => {
    const handle = await w.client.flowRuns.start('sleepy-flow');
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof FlowRunFailedError);
      assert.equal(err.state, 'TimedOut');
      return true;
    });
    assert.equal((await handle.describe()).state, 'TimedOut');
  });

  test('task-run listing shows Retrying while a retry waits; cancel ends the run Cancelled', async () => {
    const handle = await w.client.flowRuns.start('call-task', { task: 'retryLater', args: [], catchErrors: false });
    const run = await eventually(async () => {
      const [r] = await w.client.flowRuns.taskRuns(handle.id);
      return r?.state === 'Retrying' ? r : undefined;
    });
    assert.equal(run.attempts, 2);
    assert.equal(run.error?.message, 'not yet');
    assert.equal((await handle.describe()).state, 'Running');
    await w.client.flowRuns.cancel(handle.id);
    await eventually(async () => ((await handle.describe()).state === 'Cancelled' ? true : undefined));
  });

  test('flow retries re-run a failed flow; the run reads Retrying during the retry, then Completed', async () => {
    const key = uid('flow-retry');
    const handle = await w.client.flowRuns.start('retrying-flow', { probe: { dir, key } });
    await eventually(async () => ((await handle.describe()).state === 'Retrying' ? true : undefined), 10_000);
    assert.equal(await handle.result(), 2);
    assert.equal(readLines(dir, key).length, 2);
    assert.equal((await handle.describe()).state, 'Completed');
  });

  test('RetryAfterError sets the next delay; a nonsensical one falls back to the schedule', async () => {
    const key = uid('retry-after');
    const out = await w.client.flowRuns.run('call-task', { task: 'retryAfterTask', args: [{ dir, key }] });
    assert.deepEqual(out, { ok: true, value: 3 });
    const at = readLines(dir, key).map((l) => l.at as number);
    assert.ok(at[1]! - at[0]! >= 680, `asked for 0.7 s, waited ${at[1]! - at[0]!} ms`);
    assert.ok(at[2]! - at[1]! < 680, `NaN delay fell back to the 0.1 s schedule, waited ${at[2]! - at[1]!} ms`);
  });

  test('exponential backoff with jitter: each delay within [d, 1.5 d]', async () => {
    const key = uid('backoff');
    const out = await w.client.flowRuns.run('call-task', { task: 'backoffTask', args: [{ dir, key }] });
    assert.deepEqual(out, { ok: true, value: 3 });
    const at = readLines(dir, key).map((l) => l.at as number);
    const gaps = [at[1]! - at[0]!, at[2]! - at[1]!];
    // The upper bound leaves room for a loaded machine's dispatch; the lower one is exact.
    [200, 400].forEach((d, i) => assert.ok(gaps[i]! >= d - 20 && gaps[i]! <= d * 1.5 + 600, `gap ${i} was ${gaps[i]} ms for delay ${d}`));
  });
});

describe('RetryAfterError without a delay', () => {
  let w: TestWorker;
  const dir = tempDir();
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'retry-after') });
  });
  after(async () => {
    await w?.stop();
  });

  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : undefined);

  test("waits the task's own retryDelaySeconds, as the server schedules it", { timeout: 60_000 }, async () => {
    const key = uid('retry-after-none');
    const handle = await w.client.flowRuns.start('retry-after-no-delay-flow', { dir, key });
    const temporalHandle = w.client.temporal.workflow.getHandle(handle.id);
    // While the retry waits, the server shows when it failed and when it will try again.
    let scheduledGapMs: number | undefined;
    const deadline = Date.now() + 30_000;
    while (scheduledGapMs === undefined && Date.now() < deadline) {
      const { raw } = await temporalHandle.describe();
      const pending = raw.pendingActivities?.[0];
      const failedAt = ms(pending?.lastAttemptCompleteTime);
      const nextAt = ms(pending?.nextAttemptScheduleTime);
      if (pending?.lastFailure && failedAt !== undefined && nextAt !== undefined) scheduledGapMs = nextAt - failedAt;
      else if (raw.workflowExecutionInfo?.closeTime) break;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await handle.result(), 2);
    const at = readLines(dir, key).map((l) => l.at as number);
    assert.equal(at.length, 2);
    const want = DECLARED_DELAY_SECONDS * 1000;
    assert.ok(at[1]! - at[0]! >= want - 20, `attempts ${at[1]! - at[0]!} ms apart, want ≥ ${want}`);
    assert.ok(scheduledGapMs !== undefined, 'the server never showed the retry waiting');
    assert.ok(Math.abs(scheduledGapMs - want) < 100, `the server scheduled the retry ${scheduledGapMs} ms after the failure, want ${want}`);
    const [run] = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual([run!.state, run!.attempts], ['Completed', 2]);
  });
});
