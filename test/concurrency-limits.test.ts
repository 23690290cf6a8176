/**
 * Global concurrency limits from flows: never more than N at once under load (measured from the
 * times the held tasks recorded), waiters served in the order they queued, slots given back when
 * the block fails, an unknown limit refused with a clear error, bad options refused.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, FIXTURES, startWorker, uid, type TestWorker } from './helpers';

const LIMITS = path.join(FIXTURES, 'limits');

interface Span {
  start: number;
  end: number;
}

/** The most spans that overlap at any instant (an end at the same ms as a start does not overlap it). */
export function mostAtOnce(spans: Span[]): number {
  const edges = spans.flatMap((s) => [
    { at: s.start, d: 1 },
    { at: s.end, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}

describe('concurrency limits from flows', { timeout: 300_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker({ flows: LIMITS });
  });
  after(async () => {
    await w?.stop();
  });

  test('12 flows on a limit of 3: never more than 3 at once, and waiters served in the order they queued', { timeout: 120_000 }, async () => {
    const limit = uid('load');
    await w.client.concurrencyLimits.create({ name: limit, slots: 3 });
    try {
      const runs = await Promise.all(Array.from({ length: 12 }, () => w.client.flowRuns.start('limits-hold-flow', { limit, ms: 1_500 })));
      // Once all 12 have asked: 3 hold, 9 wait, in the order the limit received them.
      const queued = await eventually(async () => {
        const l = await w.client.concurrencyLimits.get(limit);
        return l.holders.length === 3 && l.waiters.length === 9 ? l : undefined;
      }, 30_000);
      assert.equal(queued.occupied, 3);
      const results = (await Promise.all(runs.map((r) => r.result()))) as Span[];
      const byRun = new Map(runs.map((r, i) => [r.id, results[i]!]));
      assert.equal(mostAtOnce(results), 3, JSON.stringify(results));
      const waitedStarts = queued.waiters.map((wt) => byRun.get(wt.party.flowRunId)!.start);
      assert.deepEqual(
        waitedStarts,
        [...waitedStarts].sort((a, b) => a - b),
        'waiters started in the order they queued',
      );
      // Every waiter started after all three first holders had started.
      const firstStarts = queued.holders.map((h) => byRun.get(h.party.flowRunId)!.start);
      assert.ok(Math.min(...waitedStarts) > Math.max(...firstStarts));
      const done = await w.client.concurrencyLimits.get(limit);
      assert.equal(done.holders.length + done.waiters.length, 0);
      assert.equal(done.granted, 12);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('a block that fails gives its slot back: the next flow gets it', { timeout: 60_000 }, async () => {
    const limit = uid('fail');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1 });
    try {
      const failing = await w.client.flowRuns.start('limits-fail-inside', { limit });
      await assert.rejects(failing.result(), /broke while holding/);
      const next = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
      const span = (await next.result()) as Span;
      assert.ok(span.end >= span.start);
      assert.equal((await w.client.concurrencyLimits.get(limit)).holders.length, 0);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('a limit that does not exist fails the flow, naming it and how to create it', { timeout: 60_000 }, async () => {
    const limit = uid('missing');
    const run = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
    await assert.rejects(run.result(), new RegExp(`no concurrency limit named '${limit}': create it first \\(baton concurrency-limit create ${limit}`));
  });

  test('bad options are refused in the flow, naming the option; more slots than the limit has are refused by the limit', { timeout: 60_000 }, async () => {
    const limit = uid('bad');
    await w.client.concurrencyLimits.create({ name: limit, slots: 2 });
    try {
      const zero = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10, slots: 0 });
      await assert.rejects(zero.result(), /slots: must be a whole number of at least 1 \(got 0\)/);
      const badKey = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10, key: 'a b' });
      await assert.rejects(badKey.result(), /key: limit name/);
      const tooMany = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10, slots: 5 });
      await assert.rejects(tooMany.result(), /slots: 5 asked for, but the limit '.*' has 2/);
      const l = await w.client.concurrencyLimits.get(limit);
      assert.equal(l.holders.length + l.waiters.length, 0);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('a wait with timeoutSeconds fails with WaitTimeoutError and leaves the queue', { timeout: 60_000 }, async () => {
    const limit = uid('timeout');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1 });
    try {
      const holder = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 6_000 });
      await eventually(async () => ((await w.client.concurrencyLimits.get(limit)).holders.length === 1 ? true : undefined));
      const impatient = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10, timeoutSeconds: 1 });
      await assert.rejects(impatient.result(), /no slot of the concurrency limit '.*' came free within 1 s/);
      const l = await w.client.concurrencyLimits.get(limit);
      assert.deepEqual(
        l.waiters.map((x) => x.party.flowRunId),
        [],
      );
      assert.deepEqual(
        l.holders.map((x) => x.party.flowRunId),
        [holder.id],
      );
      await holder.result();
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });
});
