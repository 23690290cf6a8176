import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { workerAndApi } from './api-helpers';
import { eventually, readLines, tempDir, uid } from './helpers';

describe('retry: from the first failure, or restart', () => {
  const t = workerAndApi();

  const counts = (dir: string) => [1, 2, 3, 4, 5].map((i) => readLines(dir, `ran-${i}`).length);

  test('from-failure re-runs only the failed task and what follows it; restart re-runs everything', async () => {
    const dir = tempDir();
    const name = uid('resume');
    await t.api.call('POST', '/api/deployments', { name, flow: 'five-steps', taskQueue: t.w.taskQueue });
    const run = await t.api.call('POST', `/api/deployments/${name}/runs`, { parameters: { probe: { dir, key: 'x' }, failAt: 4 } });
    const id = run.body.id as string;
    await eventually(async () => ((await t.api.call('GET', `/api/flow-runs/${id}`)).body.state === 'Failed' ? true : undefined));
    assert.deepEqual(counts(dir), [1, 1, 1, 2, 0], 'step 4 failed twice (retries 1), step 5 never ran');

    fs.writeFileSync(path.join(dir, 'fixed'), 'yes');
    const resumed = await t.api.call('POST', `/api/flow-runs/${id}/retry`, {});
    assert.equal(resumed.status, 201, JSON.stringify(resumed.body));
    assert.equal(resumed.body.mode, 'from-failure');
    assert.equal(resumed.body.id, id, 'the same flow run goes on');
    assert.deepEqual(await t.w.client.flowRuns.result(id), [10, 20, 30, 40, 50]);
    assert.deepEqual(counts(dir), [1, 1, 1, 3, 1], 'steps 1-3 kept their results; only 4 and 5 ran');
    const detail = (await t.api.call('GET', `/api/flow-runs/${id}`)).body;
    assert.equal(detail.state, 'Completed');
    assert.deepEqual(
      detail.taskRuns.map((t: { runName: string; state: string }) => `${t.runName}:${t.state}`),
      ['step-1:Completed', 'step-2:Completed', 'step-3:Completed', 'step-4:Completed', 'step-5:Completed'],
    );

    const restarted = await t.api.call('POST', `/api/flow-runs/${id}/retry`, { mode: 'restart' });
    assert.equal(restarted.body.mode, 'restart');
    assert.notEqual(restarted.body.id, id);
    assert.deepEqual(await t.w.client.flowRuns.result(restarted.body.id), [10, 20, 30, 40, 50]);
    assert.deepEqual(counts(dir), [2, 2, 2, 4, 2], 'restart ran every task again (none has a cache policy)');
    assert.equal((await t.api.call('GET', `/api/flow-runs/${restarted.body.id}`)).body.retryOf, id);

    const retryCompleted = await t.api.call('POST', `/api/flow-runs/${id}/retry`, { mode: 'from-failure' });
    assert.equal(retryCompleted.status, 409);
    assert.match(retryCompleted.body.error.message, /no failure to continue from/);
  });
});
