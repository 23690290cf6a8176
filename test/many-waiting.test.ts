/**
 * 200 flows waiting for approval at once: they hold no worker slot, the worker's memory stays
 * flat while they wait, and all finish after a bulk approve through the API.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { workerAndApi } from './api-helpers';
import { eventually, uid } from './helpers';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

function measure(): { rss: number; heap: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heap: m.heapUsed / MB };
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('many flows waiting', () => {
  const t = workerAndApi();

  test('200 flows wait for approval with flat worker memory, and all finish after a bulk approve', async () => {
    const deployment = uid('bulk');
    await t.api.call('POST', '/api/deployments', { name: deployment, flow: 'approval-flow', taskQueue: t.w.taskQueue });
    // Warm up: one full run, so the flow bundle and connections are loaded before the baseline.
    const warm = await t.api.call('POST', `/api/deployments/${deployment}/runs`, { parameters: { release: 'warm' } });
    await eventually(async () => ((await t.api.call('GET', `/api/flow-runs/${warm.body.id}`)).body.state === 'AwaitingApproval' ? true : undefined));
    await t.api.call('POST', `/api/flow-runs/${warm.body.id}/approvals/ship`, { decision: 'reject' });
    await t.w.client.flowRuns.result(warm.body.id);
    const baseline = measure();

    const ids: string[] = [];
    await inBatches(
      Array.from({ length: 200 }, (_, i) => i),
      20,
      async (i) => {
        const res = await t.api.call('POST', `/api/deployments/${deployment}/runs`, { parameters: { release: `r${i}` } });
        assert.equal(res.status, 201);
        ids.push(res.body.id);
      },
    );
    const waiting = await eventually(async () => {
      const list = await t.api.call('GET', `/api/approvals?deployment=${deployment}&pageSize=500`);
      return list.body.approvals.length === 200 ? list.body.approvals : undefined;
    }, 60_000);
    assert.equal(new Set(waiting.map((a: { flowRunId: string }) => a.flowRunId)).size, 200);

    const loaded = measure();
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      samples.push(measure().heap);
    }
    const drift = Math.max(...samples) - Math.min(...samples);
    const perFlowKiB = ((loaded.heap - baseline.heap) * 1024) / 200;
    console.log(
      `# 200 waiting flows: heap ${baseline.heap.toFixed(1)} → ${loaded.heap.toFixed(1)} MB (${perFlowKiB.toFixed(1)} KiB per flow), ` +
        `rss ${baseline.rss.toFixed(0)} → ${loaded.rss.toFixed(0)} MB, drift over 5 s of waiting ${drift.toFixed(2)} MB`,
    );
    assert.ok(drift < 8, `heap drifted ${drift.toFixed(2)} MB while the flows only waited`);

    await inBatches(ids, 20, async (id) => {
      const res = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve', input: { reviewer: 'bulk', priority: 1 } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
    const results = await Promise.all(ids.map((id) => t.w.client.flowRuns.result<{ shipped: boolean; greeting: string }>(id)));
    assert.ok(results.every((r) => r.shipped && r.greeting === 'hello bulk!'));
    // None waits any more, once visibility has every run's end.
    await eventually(async () => ((await t.api.call('GET', `/api/approvals?deployment=${deployment}`)).body.approvals.length === 0 ? true : undefined), 30_000);
  });
});
