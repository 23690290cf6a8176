/**
 * Payload encryption (BATON_ENCRYPTION_KEYS): a run's payloads are ciphertext in its history (and a
 * large one in the blob store too), runs complete, the API reads their parameters and results; after
 * a key rotation old runs still read; a key that is missing or wrong is an error naming the key id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { ConfigError } from '../src/core/errors';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, startWorker, testTarget, uid, type TestWorker } from './helpers';

const key = () => randomBytes(32).toString('base64');
const decoder = new TextDecoder();

/**
 * A run's history as stored: its text without the search attributes (they are for visibility and
 * are never encoded: the run name a template made from parameters is there, as the README says),
 * and every payload Baton's data converter wrote (the SDK's own marker bookkeeping left out).
 */
async function storedHistory(client: BatonClient, id: string): Promise<{ text: string; runName: string; payloads: temporal.api.common.v1.IPayload[] }> {
  const history = await client.temporal.workflow.getHandle(id).fetchHistory();
  const text = JSON.stringify(plain(history));
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields?.BatonRunName?.data;
  const payloads: temporal.api.common.v1.IPayload[] = [];
  const walk = (value: unknown, key: string): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array || key === 'searchAttributes') return;
    const o = value as { metadata?: unknown; data?: unknown };
    if (o.metadata && o.data instanceof Uint8Array) return void payloads.push(o as temporal.api.common.v1.IPayload);
    for (const [k, v] of Object.entries(value)) {
      // A marker's own details (a patch's id, a local activity's sequence number) are the SDK's bookkeeping; its result is under `result`.
      if (key === 'details' && (k === 'data' || k === 'patch-data')) continue;
      walk(v, k);
    }
  };
  walk(history, '');
  return { text, runName: started ? decoder.decode(started) : '', payloads };
}

/**
 * A history as plain data, bytes as text, search attributes left out (a protobuf message's own
 * toJSON would write bytes as base64, where no plain text can be found).
 */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (Array.isArray(v)) return v.map(plain);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'searchAttributes')
      .map(([k, x]) => [k, plain(x)]),
  );
}

const meta = (p: temporal.api.common.v1.IPayload, k: string) => (p.metadata?.[k] ? decoder.decode(p.metadata[k]) : undefined);

describe('payload encryption', { timeout: 300_000 }, () => {
  const [first, second] = [key(), key()];
  let w: TestWorker;
  let api: TestApi;
  const clients: BatonClient[] = [];
  const apis: TestApi[] = [];
  /** A client (and an API over it) with other keys, on the worker's task queue. */
  const withKeys = async (keys: string) => {
    const client = await BatonClient.connect({
      target: testTarget(),
      dataConverter: dataConverter(loadConfig({ ...process.env, BATON_ENCRYPTION_KEYS: keys })),
      taskQueue: w.taskQueue,
      flows: w.client.flows,
    });
    clients.push(client);
    const other = await startTestApi(client);
    apis.push(other);
    return { client, api: other };
  };
  before(async () => {
    w = await startWorker({ env: { BATON_ENCRYPTION_KEYS: `k1:${first}` } });
    api = await startTestApi(w.client);
  });
  after(async () => {
    for (const a of apis) await a.close();
    for (const c of clients) await c.close();
    await api?.close();
    await w?.stop();
  });

  test('a run completes; its history holds only ciphertext, naming the key; the API reads its parameters and result', { timeout: 60_000 }, async () => {
    const marker = uid('plaintext-marker');
    const run = await w.client.flowRuns.start('hello', { name: marker });
    assert.equal(await run.result(), `hello ${marker}.`);
    const { text, payloads, runName } = await storedHistory(w.client, run.id);
    assert.ok(payloads.length >= 4, `payloads found: ${payloads.length}`);
    assert.ok(!text.includes(marker), 'no parameter or result in plain text');
    assert.equal(runName, `"hello-${marker}"`, 'the run name (a search attribute) stays readable');
    for (const p of payloads) {
      assert.deepEqual([meta(p, 'encoding'), meta(p, 'encryption-key-id'), meta(p, 'encryption-cipher')], ['binary/encrypted', 'k1', 'AES-256-GCM']);
    }
    const read = await api.call('GET', `/api/flow-runs/${run.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual([read.body.state, read.body.parameters, read.body.result], ['Completed', { name: marker, excited: false }, `hello ${marker}.`]);
  });

  test("task runs' names and a run's pending approval read through the API with every payload encrypted", { timeout: 60_000 }, async () => {
    const run = await w.client.flowRuns.start('hello', { name: 'Ada' });
    await run.result();
    const read = await api.call('GET', `/api/flow-runs/${run.id}`);
    assert.deepEqual(
      read.body.taskRuns.map((t: { runName?: string; state: string }) => [t.runName, t.state]),
      [['greet-Ada', 'Completed']],
    );
    const release = uid('r');
    const waiting = await w.client.flowRuns.start('approval-flow', { release });
    try {
      const listed = await eventually(async () => {
        const res = await api.call('GET', '/api/approvals?flow=approval-flow&pageSize=500');
        return res.body.approvals.find((a: { flowRunId: string }) => a.flowRunId === waiting.id);
      }, 30_000);
      assert.equal(listed.key, 'ship');
      assert.equal(listed.runName, `release-${release}`);
    } finally {
      await w.client.temporal.workflow.getHandle(waiting.id).terminate('test over');
    }
  });

  test('a large result is encrypted, then offloaded: the blob store holds ciphertext and the result reads', { timeout: 120_000 }, async () => {
    const blobs = path.join(loadConfig().BATON_HOME, 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    const before = new Set(fs.readdirSync(blobs, { recursive: true }).map(String));
    const run = await w.client.flowRuns.start('big-flow', { mb: 1 });
    const result = (await run.result()) as { length: number; big: { text: string } };
    assert.equal(result.length, 1024 * 1024);
    const added = fs
      .readdirSync(blobs, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !before.has(path.relative(blobs, path.join(e.parentPath, e.name))))
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)));
    assert.ok(added.length >= 1, 'the large result went to the blob store');
    const head = result.big.text.slice(0, 64);
    for (const blob of added) {
      assert.ok(!blob.toString('latin1').includes(head), 'a blob holds no plain text');
      // A blob is the payload packed whole: its metadata (base64) says it is encrypted.
      assert.ok(blob.toString('latin1').includes(Buffer.from('binary/encrypted').toString('base64')), 'a blob holds an encrypted payload');
    }
    const read = await api.call('GET', `/api/flow-runs/${run.id}`);
    assert.equal(read.body.result.length, 1024 * 1024);
  });

  test('after a rotation new runs use the new key and old runs still read; a missing or wrong key names the key id', { timeout: 120_000 }, async () => {
    const old = await w.client.flowRuns.start('hello', { name: 'before rotation' });
    assert.equal(await old.result(), 'hello before rotation.');

    // The rotated worker and client: k2 encrypts, k1 still decrypts.
    const rotated = await startWorker({ env: { BATON_ENCRYPTION_KEYS: `k2:${second},k1:${first}` } });
    try {
      const fresh = await rotated.client.flowRuns.start('hello', { name: 'after rotation' });
      assert.equal(await fresh.result(), 'hello after rotation.');
      const { payloads } = await storedHistory(rotated.client, fresh.id);
      assert.deepEqual([...new Set(payloads.map((p) => meta(p, 'encryption-key-id')))], ['k2']);
      const rotatedApi = await startTestApi(rotated.client);
      apis.push(rotatedApi);
      const oldRead = await rotatedApi.call('GET', `/api/flow-runs/${old.id}`);
      assert.deepEqual([oldRead.body.parameters, oldRead.body.result], [{ name: 'before rotation', excited: false }, 'hello before rotation.']);
    } finally {
      await rotated.stop();
    }

    // Without k1, the old run's values cannot be read: the API's configuration is at fault (500), and it says which key is missing.
    const missing = await withKeys(`k2:${second}`);
    const unread = await missing.api.call('GET', `/api/flow-runs/${old.id}`);
    assert.equal(unread.status, 500);
    assert.deepEqual(unread.body.error, {
      code: 'PAYLOAD_DECRYPTION',
      message: "a payload is encrypted with key 'k1', which BATON_ENCRYPTION_KEYS does not hold (it holds: k2); add that key to read it",
    });
    await assert.rejects(missing.client.flowRuns.result(old.id), /encrypted with key 'k1', which BATON_ENCRYPTION_KEYS does not hold/);
    // k1 given another key: it does not decrypt, and says so.
    const wrong = await withKeys(`k1:${second}`);
    await assert.rejects(
      wrong.client.flowRuns.result(old.id),
      /a payload encrypted with key 'k1' cannot be decrypted with the key BATON_ENCRYPTION_KEYS gives that id/,
    );
  });

  test("a worker without the run's key fails its workflow task, naming the key id; one with the key then runs it", { timeout: 120_000 }, async () => {
    const taskQueue = uid('tq-keys');
    const lacking = await startWorker({ taskQueue, env: { BATON_ENCRYPTION_KEYS: `k2:${second}` } });
    let runId: string;
    try {
      const run = await w.client.flowRuns.start('hello', { name: 'waits for its key' }, { taskQueue });
      runId = run.id;
      const failed = await eventually(async () => {
        const events = (await w.client.temporal.workflow.getHandle(run.id).fetchHistory()).events ?? [];
        return events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message ?? undefined;
      }, 30_000);
      assert.match(failed, /a payload is encrypted with key 'k1', which BATON_ENCRYPTION_KEYS does not hold \(it holds: k2\)/);
    } finally {
      await lacking.stop();
    }
    const holding = await startWorker({ taskQueue, env: { BATON_ENCRYPTION_KEYS: `k1:${first}` } });
    try {
      assert.equal(await w.client.flowRuns.result(runId), 'hello waits for its key.');
    } finally {
      await holding.stop();
    }
  });

  test('a run from before encryption was turned on still reads', { timeout: 60_000 }, async () => {
    const plain = await startWorker();
    try {
      const run = await plain.client.flowRuns.start('hello', { name: 'unencrypted' });
      assert.equal(await run.result(), 'hello unencrypted.');
      const { text } = await storedHistory(plain.client, run.id);
      assert.ok(text.includes('unencrypted'), 'stored in plain text');
      assert.equal(await w.client.flowRuns.result(run.id), 'hello unencrypted.');
    } finally {
      await plain.stop();
    }
  });

  test('malformed keys are refused at start-up, naming the entry and never a key', { timeout: 10_000 }, () => {
    const short = randomBytes(16).toString('base64');
    for (const [value, message] of [
      [`k1:${short}`, /BATON_ENCRYPTION_KEYS: entry \[0\]: key 'k1' must be 32 random bytes in base64 \(44 characters; make one with: openssl rand -base64 32\)/],
      [`k1:${first},k1:${second}`, /BATON_ENCRYPTION_KEYS: entry \[1\]: key id 'k1' is listed twice/],
      [`${first}`, /BATON_ENCRYPTION_KEYS: entry \[0\]: must be id:base64key/],
      [`bad id:${first}`, /entry \[0\]: must be id:base64key/],
    ] as const) {
      assert.throws(
        () => loadConfig({ BATON_ENCRYPTION_KEYS: value }),
        (err: unknown) =>
          err instanceof ConfigError && message.test(err.message) && !err.message.includes(short) && !err.message.includes(first) && !err.message.includes(second),
      );
    }
  });
});
