import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, readLines, startWorker, tempDir, type TestWorker } from './helpers';

describe('subflows', () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  test('a flow called from a flow is a child workflow with a deterministic id', async () => {
    const handle = await w.client.flowRuns.start('parent-flow', { n: 40 });
    const out = (await handle.result()) as Record<string, unknown>;
    assert.deepEqual(out.first, { sum: 41 });
    assert.deepEqual(out.second, { sum: 42 });
    assert.equal(out.futureState, 'Completed');
    assert.deepEqual(out.childError, { name: 'NonRetryableError', message: 'child refuses', isNonRetryable: true });
    assert.match(String(out.badParams), /invalid parameters for flow 'child-flow': a: .*expected number/);

    // Seen through the Temporal client: the children's parent is this flow run.
    const childId = `${handle.id}/child-flow-1`;
    const child = await w.client.temporal.workflow.getHandle(childId).describe();
    assert.equal(child.type, 'child-flow');
    assert.equal(child.parentExecution?.workflowId, handle.id);
    assert.equal(child.status.name, 'COMPLETED');

    const info = await handle.describe();
    const subflows = info.taskRuns.filter((r) => r.kind === 'subflow');
    assert.deepEqual(
      subflows.map((s) => [s.id, s.name, s.runName, s.state]),
      [
        [`${handle.id}/child-flow-1`, 'child-flow', 'child-40-1', 'Completed'],
        [`${handle.id}/child-flow-2`, 'child-flow', 'child-40-2', 'Completed'],
        [`${handle.id}/failing-child-1`, 'failing-child', undefined, 'Failed'],
      ],
    );
    const childInfo = await w.client.flowRuns.get(childId);
    assert.equal(childInfo.parentFlowRunId, handle.id);
    assert.equal(childInfo.runName, 'child-40-1');
  });
});

describe('cancellation', () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  test('cancelling a flow cancels its running task: the run and the task read Cancelled', async () => {
    const dir = tempDir();
    const handle = await w.client.flowRuns.start('steps', { probe: { dir, key: 'unused' }, count: 1, ms: 20_000 });
    await eventually(async () => ((await handle.describe()).taskRuns[0]?.state === 'Running' ? true : undefined));
    await w.client.flowRuns.cancel(handle.id);
    const info = await eventually(async () => {
      const i = await handle.describe();
      return i.state === 'Cancelled' ? i : undefined;
    });
    assert.deepEqual(
      info.taskRuns.map((t) => t.state),
      ['Cancelled'],
    );
    assert.ok(!readLines(dir, 'step-1').some((l) => l.event === 'done'), 'the task stopped');
  });
});
