import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorker, type TestWorker } from './helpers';

type Ran = { label: string; start: number; end: number };

/** Most runs in flight at any instant. */
function maxOverlap(runs: Ran[]): number {
  const edges = runs.flatMap((r) => [
    [r.start, 1],
    [r.end, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let current = 0;
  let most = 0;
  for (const [, d] of edges) {
    current += d!;
    most = Math.max(most, current);
  }
  return most;
}

describe('map, submit, waitAll, asCompleted', () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  test('map runs items in parallel, results in input order', async () => {
    // Seconds long, so that all six overlap even when a loaded machine starts them some apart.
    const durations = [3_000, 2_800, 2_600, 2_400, 2_200, 2_000];
    const runs = (await w.client.flowRuns.run('map-sleepers', { durations })) as Ran[];
    assert.deepEqual(
      runs.map((r) => r.label),
      durations.map(() => 'mapped'),
    );
    assert.ok(maxOverlap(runs) >= 4, `only ${maxOverlap(runs)} ran at once`);
    const span = Math.max(...runs.map((r) => r.end)) - Math.min(...runs.map((r) => r.start));
    const sum = durations.reduce((a, b) => a + b, 0);
    assert.ok(span < sum / 2, `span ${span} ms should be well under the serial ${sum} ms`);
  });

  test('map respects the concurrency cap', async () => {
    const durations = [300, 300, 300, 300, 300, 300];
    const runs = (await w.client.flowRuns.run('map-sleepers', { durations, concurrency: 2 })) as Ran[];
    assert.equal(runs.length, 6);
    assert.equal(maxOverlap(runs), 2);
  });

  test('submit gives futures; asCompleted yields in completion order; waitAll splits done and not done', async () => {
    const out = (await w.client.flowRuns.run('completion-order', { durations: [2_700, 300, 1_500] })) as Record<string, unknown>;
    assert.deepEqual(out.statesBefore, ['Pending', 'Pending', 'Pending']);
    assert.deepEqual(out.order, ['job-1', 'job-2', 'job-0']);
    assert.deepEqual(out.statesAfter, ['Completed', 'Completed', 'Completed']);
    assert.deepEqual(out.doneWithinTimeout, ['sleep-50ms']);
    assert.deepEqual(out.notDoneWithinTimeout, ['sleep-8000ms']);
    assert.equal(out.allDone, 2);
  });
});
