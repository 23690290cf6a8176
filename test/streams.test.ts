import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StreamItem } from '../src/core/stream';
import { NotFoundError } from '../src/core/errors';
import { emit } from '../src/workflows';
import { chapters, emitter, flaky, parent, summarised, tokens, badTopicFlow } from './fixtures/streams';
import { FIXTURES, startWorker, type TestWorker } from './helpers';

const TIMEOUT = { timeout: 60_000 };

async function collect(items: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('streams: what a run publishes while it goes on', { timeout: 240_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'streams') });
  });
  after(async () => {
    await w?.stop();
  });

  test('emit(value) and emit(topic, value): ordered, numbered from 0, with topics; the stream ends with the flow', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start(emitter, undefined);
    const items = await collect(run.stream());
    assert.equal(await run.result(), 'done');
    assert.deepEqual(
      items.map((i) => [i.seq, i.attempt, i.kind, i.topic, i.value]),
      [
        [0, 1, 'item', 'default', 'started'],
        [1, 1, 'item', 'progress', { step: 1, of: 3 }],
        [2, 1, 'item', 'progress', { step: 2, of: 3 }],
        [3, 1, 'item', 'progress', { step: 3, of: 3 }],
      ],
    );
    const progress = await collect(w.client.flowRuns.stream(run.id, { topics: ['progress'] }));
    assert.deepEqual(
      progress.map((i) => i.seq),
      [1, 2, 3],
    );
  });

  test('a generator flow publishes each yield as it happens; its result is the yielded list, or its return value', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start(chapters, { n: 3, pauseSeconds: 2 });
    const seen: { item: StreamItem; at: number }[] = [];
    for await (const item of run.stream()) seen.push({ item, at: Date.now() });
    const result: { chapter: number; title: string }[] = await run.result();
    assert.deepEqual(
      result,
      [1, 2, 3].map((i) => ({ chapter: i, title: `Chapter ${i}` })),
    );
    assert.deepEqual(
      seen.map((s) => s.item.value),
      result,
    );
    // Live: the first chapter was read while the run was still writing the others (a durable
    // timer of 2 s stands between two chapters).
    const closed = Date.parse((await w.client.temporal.workflow.getHandle(run.id).describe()).closeTime!.toISOString());
    assert.ok(seen[0]!.at < closed - 1_000, `the first chapter was read ${closed - seen[0]!.at} ms before the run closed`);

    const final: string = await w.client.flowRuns.run(summarised, undefined);
    assert.equal(final, 'final');
  });

  test('a reader that stops goes on from the place of the last item it read, and gets every item once', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start(chapters, { n: 4, pauseSeconds: 0.5 });
    const first: StreamItem[] = [];
    for await (const item of run.stream()) {
      first.push(item);
      if (first.length === 2) break;
    }
    const last = first.at(-1)!;
    const rest = await collect(run.stream({ from: { attempt: last.attempt, seq: last.seq } }));
    assert.deepEqual(
      [...first, ...rest].map((i) => i.seq),
      [0, 1, 2, 3],
    );
    // A number is a seq to start at.
    assert.deepEqual(
      (await collect(run.stream({ from: 3 }))).map((i) => i.seq),
      [3],
    );
  });

  test("a task's stream: 3,000 chunks arrive in order, each once, in batches of a few history events", TIMEOUT, async () => {
    const n = 3_000;
    const run = await w.client.flowRuns.start(tokens, { n });
    const items = await collect(run.stream());
    assert.equal(await run.result(), n);
    assert.equal(items.length, n);
    assert.ok(
      items.every((item, i) => item.seq === i && item.value === i && item.topic === 'tokens' && item.task?.taskName === 'stream-tokens' && item.task.attempt === 1),
    );
    const history = await w.client.temporal.workflow.getHandle(run.id).fetchHistory();
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    assert.ok(signals >= 1 && signals <= 60, `${n} chunks took ${signals} signals`);
  });

  test("a retried task's partial output is followed by a discard marker naming the attempt", TIMEOUT, async () => {
    const run = await w.client.flowRuns.start(flaky, { failUntil: 1 });
    assert.equal(await run.result(), 2);
    const items = await collect(run.stream());
    assert.deepEqual(
      items.map((i) => (i.kind === 'discard' ? `discard attempt ${i.task!.attempt}` : i.value)),
      ['attempt-1-chunk-0', 'attempt-1-chunk-1', 'attempt-1-chunk-2', 'discard attempt 1', 'attempt-2-chunk-0', 'attempt-2-chunk-1', 'attempt-2-chunk-2'],
    );
  });

  test("a subflow is announced in its parent's stream, with the id of its own stream", TIMEOUT, async () => {
    const run = await w.client.flowRuns.start(parent, undefined);
    assert.equal(await run.result(), 2);
    const items = await collect(run.stream());
    assert.deepEqual(
      items.map((i) => i.kind),
      ['item', 'subflow', 'item'],
    );
    const child = items[1]!.value as { flowRunId: string; flowName: string };
    assert.equal(child.flowName, 'stream-chapters');
    const childItems = await collect(w.client.flowRuns.stream(child.flowRunId));
    assert.deepEqual(
      childItems.map((i) => (i.value as { chapter: number }).chapter),
      [1, 2],
    );
  });

  test('misuse is named: an unknown run, emit outside a flow, a bad topic in a task', TIMEOUT, async () => {
    await assert.rejects(collect(w.client.flowRuns.stream('no-such-run-for-streams')), NotFoundError);
    assert.throws(() => emit('x'), /emit\(\) publishes from a flow; in a task, use getRunContext\(\)\.stream\(value\)/);
    await assert.rejects(
      w.client.flowRuns.run(badTopicFlow, undefined),
      /stream\(\): the topic must be 1-100 letters, digits or \. _ - : @ \(got "no spaces allowed"\)/,
    );
  });
});
