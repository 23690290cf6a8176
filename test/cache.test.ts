import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cacheKey, stableStringify } from '../src/activities/cache-key';
import { FileCacheStore } from '../src/activities/cache-store';
import { decodePayload } from '../src/client/temporal-values';
import { cacheDir, loadConfig } from '../src/config';
import { INPUTS, RUN_ID, TASK_SOURCE } from '../src/core/cache-policy';
import { workerAndApi } from './api-helpers';
import { readLines, tempDir, uid } from './helpers';

describe('caching across runs', () => {
  const t = workerAndApi();
  const store = new FileCacheStore(cacheDir(loadConfig()));

  const run = async (calls: { task: string; args: unknown[] }[], tag = '') => {
    const handle = await t.w.client.flowRuns.start('run-tasks', { calls, tag });
    const result = (await handle.result()) as unknown[];
    const states = (await t.w.client.flowRuns.taskRuns(handle.id)).map((t) => t.state);
    return { result, states, id: handle.id };
  };

  test('INPUTS: a hit returns the stored result without running; the excluded argument never counts; key order is irrelevant', async () => {
    const probe = { dir: tempDir(), key: 'inputs' };
    const first = await run([{ task: 'inputsCached', args: [probe, { a: 1, b: { c: 2, d: 3 } }, { token: 'secret-1' }] }]);
    assert.deepEqual(first.states, ['Completed']);
    // Same inputs with object keys in another order and a different client: a hit.
    const second = await run([{ task: 'inputsCached', args: [probe, { b: { d: 3, c: 2 }, a: 1 }, { token: 'secret-2' }] }]);
    assert.deepEqual(second.states, ['Cached']);
    assert.deepEqual(second.result, first.result);
    assert.equal(readLines(probe.dir, probe.key).length, 1, 'the task ran once');
    const other = await run([{ task: 'inputsCached', args: [probe, { a: 2 }, { token: 'secret-1' }] }]);
    assert.deepEqual(other.states, ['Completed'], 'other inputs: a miss');
    assert.equal(readLines(probe.dir, probe.key).length, 2);
    // The Cached state through the API and the task-run listing.
    const detail = (await t.api.call('GET', `/api/flow-runs/${second.id}`)).body;
    assert.equal(detail.taskRuns[0].state, 'Cached');
    const listed = (await t.api.call('GET', `/api/flow-runs/${second.id}/task-runs`)).body;
    assert.equal(listed.taskRuns[0].state, 'Cached');
    assert.equal(listed.taskRuns[0].name, 'inputs-cached');
    // In the Web UI: no task was scheduled; a marker's summary reads Cached.
    const history = await t.w.client.temporal.workflow.getHandle(second.id).fetchHistory();
    const summaries = (history.events ?? []).map((e) => (e.userMetadata?.summary ? decodePayload(e.userMetadata.summary as never) : undefined)).filter(Boolean);
    assert.ok(summaries.includes('inputs-cached · Cached'), `summaries: ${summaries.join(' | ')}`);
    assert.ok(!(history.events ?? []).some((e) => e.activityTaskScheduledEventAttributes), 'a hit schedules no task');
  });

  test('RUN_ID: results are shared within one run only; FLOW_PARAMETERS: keyed on the flow run parameters', async () => {
    const probe = { dir: tempDir(), key: 'run' };
    const one = await run([
      { task: 'runCached', args: [probe, 5] },
      { task: 'runCached', args: [probe, 5] },
    ]);
    assert.deepEqual(one.states, ['Completed', 'Cached']);
    const two = await run([{ task: 'runCached', args: [probe, 5] }]);
    assert.deepEqual(two.states, ['Completed'], 'another run: a miss');

    const pprobe = { dir: tempDir(), key: 'params' };
    const tag = uid('params');
    const a = await run([{ task: 'paramsCached', args: [pprobe, 1] }], tag);
    const b = await run([{ task: 'paramsCached', args: [pprobe, 1] }], tag);
    assert.deepEqual([a.states, b.states], [['Completed'], ['Cached']]);
    const c = await run([{ task: 'paramsCached', args: [pprobe, 1] }], `${tag}-other`);
    assert.deepEqual(c.states, ['Completed'], 'other flow parameters: a miss');
  });

  test('expiration, refresh, and a cacheKeyFn of your own', async () => {
    const probe = { dir: tempDir(), key: 'exp' };
    assert.deepEqual((await run([{ task: 'expiring', args: [probe] }])).result, [1]);
    assert.deepEqual((await run([{ task: 'expiring', args: [probe] }])).states, ['Cached'], 'within its expiration: a hit');
    // Wait for the stored entry's own expiry time, not a guess at it (a loaded machine can take longer than a fixed pause).
    const key = cacheKey({ taskName: 'expiring', policy: INPUTS, args: [probe], paramNames: ['probe'], taskSource: '', flowRunId: '', flowParameters: undefined });
    const expiresAt = Date.parse(JSON.parse(fs.readFileSync(path.join(store.dir, `${key}.json`), 'utf8')).expiresAt);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 50));
    const expired = await run([{ task: 'expiring', args: [probe] }]);
    assert.deepEqual([expired.states, expired.result], [['Completed'], [2]], 'expired: runs again');

    const rprobe = { dir: tempDir(), key: 'refresh' };
    await run([{ task: 'refreshing', args: [rprobe] }]);
    const refreshed = await run([{ task: 'refreshing', args: [rprobe] }]);
    assert.deepEqual([refreshed.states, refreshed.result], [['Completed'], [2]], 'refreshCache always runs');

    const kprobe = { dir: tempDir(), key: 'custom' };
    const custom = await run([
      { task: 'customKey', args: [kprobe, 1] },
      { task: 'customKey', args: [kprobe, 3] },
      { task: 'customKey', args: [kprobe, 2] },
    ]);
    assert.deepEqual(custom.states, ['Completed', 'Cached', 'Completed']);
    assert.deepEqual(custom.result, [1, 1, 2]);
  });

  test('a corrupt entry is a miss, not a crash; DELETE /api/cache clears', async () => {
    const probe = { dir: tempDir(), key: 'corrupt' };
    await run([{ task: 'expiring', args: [probe] }]);
    const key = cacheKey({ taskName: 'expiring', policy: INPUTS, args: [probe], paramNames: ['probe'], taskSource: '', flowRunId: '', flowParameters: undefined });
    const file = path.join(store.dir, `${key}.json`);
    assert.ok(fs.existsSync(file));
    fs.writeFileSync(file, '{"key": "trunc');
    const again = await run([{ task: 'expiring', args: [probe] }]);
    assert.deepEqual(again.states, ['Completed']);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).key, key, 'rewritten whole');

    const cleared = await t.api.call('DELETE', `/api/cache?key=${key}`);
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.removed, 1);
    assert.deepEqual((await run([{ task: 'expiring', args: [probe] }])).states, ['Completed']);
    const byTask = await t.api.call('DELETE', '/api/cache?task=expiring');
    assert.ok(byTask.body.removed >= 1);
    assert.equal((await t.api.call('DELETE', '/api/cache?key=nothex')).status, 400);
  });
});

describe('cache keys and the filesystem store', () => {
  test('keys: stable across key order; the source part changes with the source; excluded arguments never count', () => {
    assert.equal(stableStringify({ b: 1, a: [2, { d: 4, c: 3 }] }), stableStringify({ a: [2, { c: 3, d: 4 }], b: 1 }));
    const base = { taskName: 't', args: [1, { x: 1 }], paramNames: ['n', 'client'], taskSource: 'a', flowRunId: 'r1', flowParameters: {} };
    const policy = INPUTS.plus(TASK_SOURCE);
    assert.notEqual(cacheKey({ ...base, policy }), cacheKey({ ...base, policy, taskSource: 'b' }));
    assert.equal(cacheKey({ ...base, policy: INPUTS.minus('client') }), cacheKey({ ...base, policy: INPUTS.minus('client'), args: [1, { x: 2 }] }));
    assert.equal(cacheKey({ ...base, policy: INPUTS }), cacheKey({ ...base, policy: INPUTS, flowRunId: 'r2' }));
    assert.notEqual(cacheKey({ ...base, policy: INPUTS.plus(RUN_ID) }), cacheKey({ ...base, policy: INPUTS.plus(RUN_ID), flowRunId: 'r2' }));
  });

  test('concurrent writers never leave a torn entry', async () => {
    const store = new FileCacheStore(tempDir());
    const key = 'ab'.repeat(32);
    const big = (n: number) => ({ key, taskName: 't', createdAt: '', expiresAt: null, value: { n, blob: String(n).repeat(200_000) } });
    const reads: Promise<unknown>[] = [];
    const writes = Array.from({ length: 20 }, (_, n) => store.set(big(n)));
    for (let i = 0; i < 50; i++) reads.push(store.get(key));
    await Promise.all(writes);
    for (const r of (await Promise.all(reads)) as ({ value: { n: number; blob: string } } | undefined)[]) {
      if (r) assert.equal(r.value.blob, String(r.value.n).repeat(200_000), 'a read sees one whole entry');
    }
    const final = (await store.get(key)) as { value: { n: number; blob: string } };
    assert.equal(final.value.blob.length, String(final.value.n).length * 200_000);
    assert.deepEqual(
      fs.readdirSync(store.dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});
