/**
 * Rate limits (Prefect's slot decay): start tokens taken from flows and from tasks are counted in
 * every window of the recorded start times, and the whole run takes as long as the rate says.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, startWorker, uid, type TestWorker } from './helpers';

const LIMITS = path.join(FIXTURES, 'limits');

/** The most starts in any window of `seconds` that begins at a start. */
function mostInWindow(starts: number[], seconds: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  return Math.max(...sorted.map((s) => sorted.filter((t) => t >= s && t < s + seconds * 1000).length));
}

describe('rate limits', { timeout: 300_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker({ flows: LIMITS });
  });
  after(async () => {
    await w?.stop();
  });

  test('two flows taking 8 tokens each of a limit of 2 slots decaying at 2/s: at most 2 + 2 per second in any window', { timeout: 120_000 }, async () => {
    const limit = uid('rate');
    await w.client.concurrencyLimits.create({ name: limit, slots: 2, slotDecayPerSecond: 2 });
    try {
      const runs = await Promise.all([0, 1].map(() => w.client.flowRuns.start('limits-rated', { limit, count: 8 })));
      const starts = ((await Promise.all(runs.map((r) => r.result()))) as number[][]).flat();
      assert.equal(starts.length, 16);
      // A burst of 2, then one every 0.5 s: 14 more take at least 7 s.
      const span = Math.max(...starts) - Math.min(...starts);
      assert.ok(span >= 6_500, `16 starts within ${span} ms`);
      assert.ok(span < 15_000, `16 starts took ${span} ms: slower than the rate`);
      for (const seconds of [1, 2, 3]) {
        const most = mostInWindow(starts, seconds);
        assert.ok(most <= 2 + 2 * seconds, `${most} starts in a ${seconds} s window: ${JSON.stringify(starts)}`);
      }
      const l = await w.client.concurrencyLimits.get(limit);
      assert.equal(l.granted, 16);
      assert.equal(l.holders.length, 0, 'tokens are not held');
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('tokens taken from task code: one slot decaying at 4/s spaces 6 starts by 0.25 s', { timeout: 60_000 }, async () => {
    const limit = uid('task-rate');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1, slotDecayPerSecond: 4 });
    try {
      const run = await w.client.flowRuns.start('limits-task-rated', { limit, count: 6 });
      const starts = (await run.result()) as number[];
      assert.ok(Math.max(...starts) - Math.min(...starts) >= 1_150, JSON.stringify(starts));
      assert.ok(mostInWindow(starts, 1) <= 1 + 4, JSON.stringify(starts));
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('rateLimit() on a limit without slot decay is refused, saying how to set one', { timeout: 60_000 }, async () => {
    const limit = uid('no-decay');
    await w.client.concurrencyLimits.create({ name: limit, slots: 3 });
    try {
      const run = await w.client.flowRuns.start('limits-rated', { limit, count: 1 });
      await assert.rejects(run.result(), /rateLimit\(\) needs a limit with slot decay: '.*' has slotDecayPerSecond 0/);
      const fromTask = await w.client.flowRuns.start('limits-task-rated', { limit, count: 1 });
      await assert.rejects(fromTask.result(), /rateLimit\(\) needs a limit with slot decay/);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('a limit that decays: a released concurrency slot comes back only after 1/rate seconds', { timeout: 60_000 }, async () => {
    const limit = uid('decay');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1, slotDecayPerSecond: 0.5 });
    try {
      const first = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
      const a = (await first.result()) as { end: number };
      const second = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 10 });
      const b = (await second.result()) as { start: number };
      assert.ok(b.start - a.end >= 1_800, `the slot came back ${b.start - a.end} ms after it was released (decay: 2 s)`);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });
});
