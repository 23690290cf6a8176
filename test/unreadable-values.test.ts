import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { LargePayloadCodec, type BlobStore } from '../src/activities/large-payloads';
import { loadConfig } from '../src/config';
import { workerAndApi } from './api-helpers';

const encoder = new TextEncoder();
const REF = { encoding: encoder.encode('binary/baton-blob-ref') };

describe('a large value that cannot be read', { timeout: 120_000 }, () => {
  const t = workerAndApi();

  test('a malformed reference is refused before the blob store is touched', async () => {
    const touched: string[] = [];
    const store: BlobStore = {
      put: async () => undefined,
      get: async (id) => {
        touched.push(id);
        throw new Error('should not be reached');
      },
    };
    const codec = new LargePayloadCodec(store);
    for (const data of ['not json', '{"blob":"../../etc/passwd"}', '{"blob":42}', '{}']) {
      await assert.rejects(codec.decode([{ metadata: REF, data: encoder.encode(data) }]), /a large value has a malformed reference/, data);
    }
    assert.deepEqual(touched, []);
  });

  test('GET /api/flow-runs/:id answers with the run and a marker where the value was, naming no server path', async () => {
    const handle = await t.w.client.flowRuns.start('big-flow', { mb: 1 });
    await handle.result();
    const blobs = path.join(loadConfig().BATON_HOME, 'blobs');
    const history = await t.w.client.temporal.workflow.getHandle(handle.id).fetchHistory();
    const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes;
    const reference = JSON.parse(Buffer.from(completed!.result!.payloads![0]!.data!).toString()) as { blob: string };
    fs.rmSync(path.join(blobs, reference.blob.slice(0, 2), reference.blob));

    const res = await t.api.call('GET', `/api/flow-runs/${handle.id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.state, 'Completed');
    assert.deepEqual(res.body.result, { batonUnreadable: `large value ${reference.blob} is missing from the blob store` });
    assert.ok(!JSON.stringify(res.body).includes(blobs), 'no server path in the answer');
  });
});
