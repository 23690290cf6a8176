/**
 * Global concurrency limits from flows: never more than N at once under load (measured from the
 * times the held tasks recorded), waiters served in the order they queued, slots given back when
 * the block fails, an unknown limit refused with a clear error, bad options refused.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, FIXTURES, startWorker, uid, type TestWorker } from './helpers';
import { mostAtOnce, type Span } from './limit-spans';

const LIMITS = path.join(FIXTURES, 'limits');

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
      const runs = await Promise.all(Array.from({ length: 12 }, () => w.client.flowRuns.start('limits-hold-flow', { limit, ms: 5_000 })));
      // Once all 12 have asked: 3 hold, 9 wait, in the order the limit received them.
      const queued = await eventually(async () => {
        const l = await w.client.concurrencyLimits.get(limit);
        return l.holders.length === 3 && l.waiters.length === 9 ? l : undefined;
      }, 30_000);
      assert.equal(queued.occupied, 3);
      const results = (await Promise.all(runs.map((r) => r.result()))) as Span[];
      const byRun = new Map(runs.map((r, i) => [r.id, results[i]!]));
      assert.equal(mostAtOnce(results), 3, JSON.stringify(results));
      // Served in queue order, three at a time: each group of three queued together starts after the group before it.
      const waitedStarts = queued.waiters.map((wt) => byRun.get(wt.party.flowRunId)!.start);
      for (let i = 3; i < waitedStarts.length; i++) {
        const earlier = waitedStarts.slice(Math.floor(i / 3) * 3 - 3, Math.floor(i / 3) * 3);
        assert.ok(waitedStarts[i]! > Math.max(...earlier), `waiter ${i} started before one queued ahead of it: ${JSON.stringify(waitedStarts)}`);
      }
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

  test('one slot, six flows queued one after another: each is served in turn, after the one before it ended', { timeout: 120_000 }, async () => {
    const limit = uid('fifo');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1 });
    try {
      const runs: { id: string; result(): Promise<unknown> }[] = [];
      for (let i = 0; i < 6; i++) {
        runs.push(await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 500 }));
        // Queued (or holding) before the next one asks.
        await eventually(async () => {
          const l = await w.client.concurrencyLimits.get(limit);
          return [...l.holders, ...l.waiters].some((x) => x.party.flowRunId === runs[i]!.id) || l.granted > i ? true : undefined;
        });
      }
      const spans = (await Promise.all(runs.map((r) => r.result()))) as Span[];
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.start > spans[i - 1]!.end, `run ${i} started before run ${i - 1} ended: ${JSON.stringify(spans)}`);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('the limit continues as new past 500 requests, keeping its queue and counts: two flows of 160 rounds each on one slot', { timeout: 180_000 }, async () => {
    const limit = uid('long');
    await w.client.concurrencyLimits.create({ name: limit, slots: 1 });
    try {
      const handle = w.client.temporal.workflow.getHandle(`baton-limit/${limit}`);
      const firstRun = (await handle.describe()).runId;
      const runs = await Promise.all([0, 1].map(() => w.client.flowRuns.start('limits-rounds', { limit, n: 160 })));
      assert.deepEqual(await Promise.all(runs.map((r) => r.result())), [160, 160]);
      const after = await w.client.concurrencyLimits.get(limit);
      assert.equal(after.granted, 320, 'every grant counted across runs of the limit');
      assert.equal(after.holders.length + after.waiters.length, 0);
      assert.notEqual((await handle.describe()).runId, firstRun, 'the limit continued as new');
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
      const holder = await w.client.flowRuns.start('limits-hold-flow', { limit, ms: 15_000 });
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

describe('tag-based and per-key limits', { timeout: 300_000 }, () => {
  let w: TestWorker;
  before(async () => {
    // Two task slots: a tagged task waiting for its limit must not take one.
    w = await startWorker({ flows: LIMITS, env: { BATON_MAX_CONCURRENT_TASKS: '2' } });
  });
  after(async () => {
    await w?.stop();
  });

  test('tasks tagged `limits-llm` run one at a time under tag:limits-llm, and the waiting ones hold no worker slot', { timeout: 120_000 }, async () => {
    const limit = 'tag:limits-llm';
    await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    await w.client.concurrencyLimits.create({ name: limit, slots: 1 });
    try {
      const run = await w.client.flowRuns.start('limits-tagged', { count: 4, ms: 1_000, free: 1 });
      const { tagged, free } = (await run.result()) as { tagged: Span[]; free: Span[] };
      assert.equal(tagged.length, 4);
      assert.equal(mostAtOnce(tagged), 1, JSON.stringify(tagged));
      // The untagged task ran beside the first tagged one, on a worker with two task slots.
      const firstEnd = Math.min(...tagged.map((t) => t.end));
      assert.ok(free[0]!.start < firstEnd, `the free task started at ${free[0]!.start}, after the first tagged one ended at ${firstEnd}`);
      const after = await w.client.concurrencyLimits.get(limit);
      assert.equal(after.granted, 4);
      assert.equal(after.holders.length, 0);
    } finally {
      await w.client.concurrencyLimits.delete(limit).catch(() => undefined);
    }
  });

  test('a tag without a limit limits nothing', { timeout: 60_000 }, async () => {
    const run = await w.client.flowRuns.start('limits-tagged', { count: 0, ms: 1_000, free: 2 });
    const { free } = (await run.result()) as { free: Span[] };
    assert.equal(mostAtOnce(free), 2, JSON.stringify(free));
  });

  test('per-key limits: at most 1 per key, made from the template on first use; keys do not wait for each other', { timeout: 120_000 }, async () => {
    const template = uid('per-cust');
    await w.client.concurrencyLimits.create({ name: template, slots: 1 });
    try {
      const keys = ['acme', 'acme', 'acme', 'globex', 'globex', 'globex'];
      const runs = await Promise.all(keys.map((key) => w.client.flowRuns.start('limits-hold-flow', { limit: template, key, ms: 2_000 })));
      const spans = (await Promise.all(runs.map((r) => r.result()))) as Span[];
      assert.equal(mostAtOnce(spans.slice(0, 3)), 1, 'acme: one at a time');
      assert.equal(mostAtOnce(spans.slice(3)), 1, 'globex: one at a time');
      assert.equal(mostAtOnce(spans), 2, 'acme and globex side by side');
      const acme = await w.client.concurrencyLimits.get(`${template}:acme`);
      assert.deepEqual([acme.slots, acme.granted], [1, 3]);
      assert.equal((await w.client.concurrencyLimits.get(template)).granted, 0, 'the template itself is not taken');
    } finally {
      for (const name of [`${template}:acme`, `${template}:globex`, template]) await w.client.concurrencyLimits.delete(name).catch(() => undefined);
    }
  });

  test('a per-key limit without its template fails the flow, naming the template', { timeout: 60_000 }, async () => {
    const template = uid('no-template');
    const run = await w.client.flowRuns.start('limits-hold-flow', { limit: template, key: 'acme', ms: 10 });
    await assert.rejects(run.result(), new RegExp(`no concurrency limit named '${template}' to make the per-key limit '${template}:acme' from`));
  });
});
