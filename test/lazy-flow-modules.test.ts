import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, startWorker, uid, type TestWorker } from './helpers';

// A worker serves every flow its modules declare, and each run evaluates only the module of its
// own flow: a run of one flow neither pays for another flow's module nor sees its side effects.
describe('flow modules load per run, on demand', { timeout: 120_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'lazy') });
  });
  after(async () => {
    await w.stop();
  });

  test("a run evaluates its own flow's module and not the others' (its top-level code does not run)", async () => {
    const plain = await w.client.flowRuns.start<unknown, { heavyLoaded: boolean }>('lazy-plain', {});
    assert.deepEqual(await plain.result(), { heavyLoaded: false });
    const heavy = await w.client.flowRuns.start<unknown, unknown>('lazy-heavy', { email: 'ada@example.com' });
    assert.deepEqual(await heavy.result(), { email: 'ada@example.com', heavyLoaded: true });
    const again = await w.client.flowRuns.start<unknown, { heavyLoaded: boolean }>('lazy-plain', {});
    assert.deepEqual(await again.result(), { heavyLoaded: false }, 'what one run evaluated stays in that run');
  });

  test('a run of a flow no module declares fails at once, naming every flow the worker has', async () => {
    const handle = await w.client.temporal.workflow.start('no-such-flow', { taskQueue: w.taskQueue, workflowId: uid('lazy-unknown'), args: [{}] });
    await assert.rejects(handle.result(), (err: Error & { cause?: { message?: string } }) => {
      const message = err.cause?.message ?? '';
      assert.match(message, /no flow named 'no-such-flow'/);
      assert.match(message, /lazy-plain/);
      assert.match(message, /lazy-heavy/);
      return true;
    });
  });
});
