/**
 * Leases and crashes: a task holder whose worker is SIGKILLed, and a flow holder that is
 * terminated, get their slots back by themselves (the limit asks Temporal whether the holder's
 * run or attempt is still going); a cancelled waiter leaves the queue and the next one is served;
 * limits taken from task code hold as from flows.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { loadModule } from '../src/workers/load-module';
import { eventually, FIXTURES, ROOT, startWorker, testTarget, uid, type TestWorker } from './helpers';
import { mostAtOnce, type Span } from './limit-spans';

const LIMITS = path.join(FIXTURES, 'limits');

function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', LIMITS, '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

describe('concurrency limits: crashed holders and cancelled waiters', { timeout: 300_000 }, () => {
  const children: ChildProcess[] = [];
  const workers: TestWorker[] = [];
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const w of workers) await w.stop();
  });

  test("a task holder's worker is SIGKILLed: its slot comes back once the attempt is timed out, and the waiter gets it", { timeout: 120_000 }, async () => {
    const taskQueue = uid('limit-kill');
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: loadModule(LIMITS).flows });
    const limit = uid('kill');
    try {
      const first = spawnWorker(taskQueue);
      children.push(first);
      await client.concurrencyLimits.create({ name: limit, slots: 1 });
      const holder = await client.flowRuns.start('limits-task-holding', { limit, ms: 120_000 });
      const held = await eventually(async () => {
        const l = await client.concurrencyLimits.get(limit).catch(() => undefined);
        return l?.holders.length === 1 ? l.holders[0]! : undefined;
      }, 60_000);
      assert.deepEqual([held.party.kind, held.party.flowRunId, held.party.attempt, held.party.taskName], ['task', holder.id, 1, 'limits-task-holder']);
      first.kill('SIGKILL');
      await exited(first);
      const killedAt = Date.now();
      // Another worker takes over the queue (the limit's workflow, the waiter, the task's retry).
      const w = await startWorker({ flows: LIMITS, taskQueue });
      workers.push(w);
      const waiter = await client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
      const span = (await waiter.result()) as Span;
      assert.ok(span.start - killedAt >= 1_500, `the waiter ran ${span.start - killedAt} ms after the kill: before the 2 s heartbeat timeout`);
      // The killed task's next attempt took the slot again, after the waiter, and finished.
      const result = (await holder.result()) as { attempt: number };
      assert.equal(result.attempt, 2);
      const l = await client.concurrencyLimits.get(limit);
      assert.equal(l.holders.length + l.waiters.length, 0);
    } finally {
      await client.concurrencyLimits.delete(limit).catch(() => undefined);
      await client.close();
    }
  });

  test("a terminated flow holder's slot comes back; a cancelled waiter leaves the queue and the next waiter is served", { timeout: 120_000 }, async () => {
    const w = await startWorker({ flows: LIMITS });
    workers.push(w);
    const limit = uid('term');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1 });
    try {
      const holder = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 120_000 });
      await eventually(async () => ((await w.client.concurrencyLimits.get(limit)).holders.length === 1 ? true : undefined));
      const cancelled = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
      await eventually(async () => ((await w.client.concurrencyLimits.get(limit)).waiters.length === 1 ? true : undefined));
      const next = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
      await eventually(async () => ((await w.client.concurrencyLimits.get(limit)).waiters.length === 2 ? true : undefined));

      await w.client.flowRuns.cancel(cancelled.id);
      const afterCancel = await eventually(async () => {
        const l = await w.client.concurrencyLimits.get(limit);
        return l.waiters.length === 1 ? l : undefined;
      });
      assert.deepEqual(
        afterCancel.waiters.map((x) => x.party.flowRunId),
        [next.id],
      );
      await eventually(async () => ((await w.client.flowRuns.get(cancelled.id)).state === 'Cancelled' ? true : undefined));

      await w.client.temporal.workflow.getHandle(holder.id).terminate('holder crashed');
      const terminatedAt = Date.now();
      const span = (await next.result()) as Span;
      assert.ok(span.start >= terminatedAt);
      const l = await w.client.concurrencyLimits.get(limit);
      assert.equal(l.holders.length + l.waiters.length, 0);
      assert.equal(l.granted, 2, 'the cancelled waiter was never granted');
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('limits taken from task code: never more than the slots at once', { timeout: 120_000 }, async () => {
    const w = await startWorker({ flows: LIMITS });
    workers.push(w);
    const limit = uid('task-side');
    await w.client.concurrencyLimits.create({ name: limit, slots: 2 });
    try {
      const runs = await Promise.all(Array.from({ length: 6 }, () => w.client.flowRuns.start('limits-task-holding', { limit, ms: 1_500 })));
      const spans = (await Promise.all(runs.map((r) => r.result()))) as Span[];
      assert.equal(mostAtOnce(spans), 2, JSON.stringify(spans));
      const missing = await w.client.flowRuns.start('limits-task-holding', { limit: uid('absent'), ms: 10 });
      await assert.rejects(missing.result(), /no concurrency limit named '.*': create it first/);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });
});
