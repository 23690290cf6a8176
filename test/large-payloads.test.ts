import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workerAndApi } from './api-helpers';

describe('large results', () => {
  const t = workerAndApi();

  test('a 20 MB task result round-trips through the flow and the API while the history stays under 1 MB', async () => {
    const handle = await t.w.client.flowRuns.start('big-flow', { mb: 20 });
    const result = (await handle.result()) as { length: number; head: string; big: { size: number; text: string } };
    assert.equal(result.length, 20 * 1024 * 1024);
    assert.equal(result.big.text.length, 20 * 1024 * 1024);
    assert.equal(result.head, 'xxx');

    const res = await fetch(`${t.api.base}/api/flow-runs/${handle.id}`);
    const body = (await res.json()) as { state: string; result: { length: number; big: { text: string } } };
    assert.equal(body.state, 'Completed');
    assert.equal(body.result.big.text.length, 20 * 1024 * 1024, 'the API returns the real value');

    const described = await t.w.client.temporal.workflow.getHandle(handle.id).describe();
    const historyBytes = Number(described.raw.workflowExecutionInfo?.historySizeBytes ?? 0);
    assert.ok(historyBytes > 0 && historyBytes < 1024 * 1024, `history is ${historyBytes} bytes`);
  });
});
