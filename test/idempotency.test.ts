import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workerAndApi } from './api-helpers';
import { uid } from './helpers';

// The same idempotency key names one run; asking it for another run (other parameters) is a conflict.
describe('idempotency keys', { timeout: 60_000 }, () => {
  const t = workerAndApi();

  test('the same key with the same parameters returns the run; with other parameters, 409 naming the key', async () => {
    const key = uid('key');
    const first = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Ada' }, idempotencyKey: key });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    // Defaults filled in at the edge count as the same parameters.
    const same = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Ada', excited: false }, idempotencyKey: key });
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.id, first.body.id);
    const other = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Grace' }, idempotencyKey: key });
    assert.equal(other.status, 409, JSON.stringify(other.body));
    assert.equal(other.body.error.code, 'CONFLICT');
    assert.match(other.body.error.message, new RegExp(`idempotency key '${key}' was already used for flow run ${first.body.id} with other parameters`));
    assert.equal(
      (await t.w.client.flowRuns.get(first.body.id)).parameters && ((await t.w.client.flowRuns.get(first.body.id)).parameters as { name: string }).name,
      'Ada',
    );
  });
});
