import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { eventually, readLines, startWorker, tempDir, type TestWorker } from './helpers';

// Baton's flow runtime and zod are loaded once per worker thread and shared by every run in it;
// each run keeps its own state. The runs here share one worker, so they share its V8 context.
describe('runs sharing a worker keep their own state', { timeout: 120_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  const exists = async (workflowId: string) => {
    try {
      await w.client.temporal.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };

  test("a flow module's top-level state and Baton's subflow numbering belong to one run", async () => {
    const first = await w.client.flowRuns.start<unknown, { calls: number }>('module-state', {});
    assert.deepEqual(await first.result(), { calls: 1 });
    const second = await w.client.flowRuns.start<unknown, { calls: number }>('module-state', {});
    assert.deepEqual(await second.result(), { calls: 1 });
    for (const id of [first.id, second.id]) {
      assert.equal(await exists(`${id}/child-flow-1`), true);
      assert.equal(await exists(`${id}/child-flow-2`), true);
      assert.equal(await exists(`${id}/child-flow-3`), false, 'subflow ids count from 1 in every run');
    }
  });

  test('pausing one run leaves another of the same flow running', async () => {
    const dir = tempDir();
    const paused = await w.client.flowRuns.start<unknown, number[]>('pausable-map', { probe: { dir, key: 'a' }, count: 6, ms: 200 });
    const other = await w.client.flowRuns.start<unknown, number[]>('pausable-map', { probe: { dir, key: 'b' }, count: 6, ms: 200 });
    await eventually(() => (readLines(dir, 'a').length >= 1 ? true : undefined));
    await w.client.flowRuns.pause(paused.id);
    await eventually(async () => ((await w.client.flowRuns.get(paused.id)).state === 'Paused' ? true : undefined));
    assert.deepEqual(await other.result(), [0, 1, 2, 3, 4, 5]);
    assert.equal((await w.client.flowRuns.get(other.id)).state, 'Completed');
    assert.equal((await w.client.flowRuns.get(paused.id)).state, 'Paused', 'still paused after the other run ended');
    await w.client.flowRuns.resume(paused.id);
    assert.deepEqual(await paused.result(), [0, 1, 2, 3, 4, 5]);
  });
});
