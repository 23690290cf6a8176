import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './api-helpers';
import { startWorker, type TestWorker } from './helpers';

describe('large results', () => {
  let w: TestWorker;
  let api: TestApi;
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client);
  });
  after(async () => {
    await api.close();
    await w.stop();
  });

  test('a 20 MB task result round-trips through the flow and the API while the history stays under 1 MB', async () => {
    const handle = await w.client.flowRuns.start('big-flow', { mb: 20 });
    const result = (await handle.result()) as { length: number; head: string; big: { size: number; text: string } };
    assert.equal(result.length, 20 * 1024 * 1024);
    assert.equal(result.big.text.length, 20 * 1024 * 1024);
    assert.equal(result.head, 'xxx');

    const res = await fetch(`${api.base}/api/flow-runs/${handle.id}`);
    const body = (await res.json()) as { state: string; result: { length: number; big: { text: string } } };
    assert.equal(body.state, 'Completed');
    assert.equal(body.result.big.text.length, 20 * 1024 * 1024, 'the API returns the real value');

    const described = await w.client.temporal.workflow.getHandle(handle.id).describe();
    const historyBytes = Number(described.raw.workflowExecutionInfo?.historySizeBytes ?? 0);
    assert.ok(historyBytes > 0 && historyBytes < 1024 * 1024, `history is ${historyBytes} bytes`);
  });
});
