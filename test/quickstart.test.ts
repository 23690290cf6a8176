import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, startWorker, type TestWorker } from './helpers';

describe('examples', () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker({ flows: path.join(ROOT, 'examples') });
  });
  after(async () => {
    await w.stop();
  });

  test('quickstart: gets 10 customer ids and maps processCustomer over them', async () => {
    const handle = await w.client.flowRuns.start('quickstart', {});
    assert.equal(handle.runName, 'quickstart-10-customers');
    const result = (await handle.result()) as string[];
    assert.equal(result.length, 10);
    assert.equal(result[0], 'Processed customer-01');
    const info = await handle.describe();
    assert.equal(info.state, 'Completed');
    assert.deepEqual(info.tags, ['example']);
    assert.equal(info.taskRuns.length, 11);
    assert.deepEqual(
      info.taskRuns.slice(0, 2).map((r) => [r.name, r.runName]),
      [
        ['get-customer-ids', undefined],
        ['process-customer', 'process-customer-01'],
      ],
    );
    assert.match(info.webUrl ?? '', /\/namespaces\/default\/workflows\/quickstart-/);
  });

  test('quality gate: the gate is a child flow; the pipeline publishes only when it passes', async () => {
    const passing = (await w.client.flowRuns.run('data-pipeline', { source: 'crm', count: 20, minPassRate: 0.8 })) as {
      published: number;
      gate: { passRate: number; passed: boolean; failedIds: number[] };
    };
    assert.equal(passing.gate.passed, true);
    assert.deepEqual(passing.gate.failedIds, [7, 14]);
    assert.equal(passing.published, 20);

    const strict = await w.client.flowRuns.start('data-pipeline', { source: 'crm', count: 20, minPassRate: 0.95 });
    const out = (await strict.result()) as { published: number; gate: { passed: boolean } };
    assert.equal(out.gate.passed, false);
    assert.equal(out.published, 0);
    const info = await strict.describe();
    assert.deepEqual(
      info.taskRuns.map((r) => [r.kind, r.name]),
      [
        ['task', 'load-rows'],
        ['subflow', 'quality-gate'],
      ],
    );
    assert.equal(info.taskRuns[1]!.runName, 'gate-20-rows');
  });
});
