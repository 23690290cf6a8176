/**
 * Secrets: read by tasks from the worker's environment, a folder of files and a store named by URL
 * (a Redis hash; a JSON file), in that order; refused in flow code; and never written where people
 * or Temporal keep things. A task that logs, prints, publishes, streams, heartbeats, returns and throws a secret
 * runs on a worker process, and the secret's value is then looked for in the runs' histories, the
 * run logs store, the worker's stdout and stderr, the artifacts and the API's answers: it is in none.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { createClient } from 'redis';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig, openSecretSources } from '../src/config';
import { ConfigError, SecretNotFoundError } from '../src/core/errors';
import { getSecret } from '../src';
import { loadModule } from '../src/workers/load-module';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, testTarget, uid } from './helpers';
import { startOwnRedis, type OwnRedis } from './redis-process';

const SECRETS = path.join(FIXTURES, 'secrets');
/** Values no other text contains by chance. */
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const fingerprint = (value: string) => ({ length: value.length, sha256: createHash('sha256').update(value).digest('hex').slice(0, 16) });

/** Every file under `dir`, as text. */
function filesUnder(dir: string): { file: string; text: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((entry) => {
    if (!entry.isFile()) return [];
    const file = path.join(entry.parentPath, entry.name);
    return [{ file, text: fs.readFileSync(file, 'latin1') }];
  });
}

describe('secrets', { timeout: 300_000 }, () => {
  const values = { apiToken: secret('tok'), dbPassword: secret('pw'), fromDirOnly: secret('dir'), shadowed: secret('shadowed'), fromRedis: secret('redis') };
  const hashKey = uid('baton:secrets');
  let redis: OwnRedis;
  let dir: string;
  let worker: ChildProcess;
  const output = { stdout: '', stderr: '' };
  let exited: Promise<void>;
  let client: BatonClient;
  let api: TestApi;
  const taskQueue = uid('tq');

  const stopWorker = async () => {
    if (!worker || worker.exitCode !== null) return;
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    worker.kill('SIGKILL');
  };

  before(async () => {
    redis = await startOwnRedis();
    const r = createClient({ url: redis.url });
    await r.connect();
    await r.hSet(hashKey, { 'redis-secret': values.fromRedis, 'db-password': secret('unused') });
    r.destroy();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-secrets-'));
    fs.writeFileSync(path.join(dir, 'db-password'), `${values.dbPassword}\n`);
    fs.writeFileSync(path.join(dir, 'dir-only'), values.fromDirOnly);
    fs.writeFileSync(path.join(dir, 'api-token'), values.shadowed);
    worker = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', SECRETS, '--task-queue', taskQueue], {
      cwd: ROOT,
      env: {
        ...process.env,
        BATON_LOG_LEVEL: 'info',
        BATON_SECRET_API_TOKEN: values.apiToken,
        BATON_SECRETS_DIR: dir,
        BATON_SECRETS_URL: `${redis.url}/0?key=${encodeURIComponent(hashKey)}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString()));
    exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: loadModule(SECRETS).flows });
    await eventually(async () => {
      if (worker.exitCode !== null) throw new Error(`the worker exited with ${worker.exitCode}: ${output.stderr}${output.stdout}`);
      const queue = await client.connection.workflowService.describeTaskQueue({ namespace: client.namespace, taskQueue: { name: taskQueue } });
      return (queue.pollers ?? []).length > 0 || undefined;
    }, 60_000);
    api = await startTestApi(client);
  });
  after(async () => {
    await api?.close();
    await stopWorker();
    await client?.close();
    redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('read by tasks from the environment, the folder and the Redis hash, in that order', { timeout: 60_000 }, async () => {
    const read = (name: string) => client.flowRuns.run('secrets-read', { name });
    // api-token is in the environment and the folder: the environment wins.
    assert.deepEqual(await read('api-token'), fingerprint(values.apiToken));
    // db-password is in the folder (its trailing newline dropped) and the Redis hash: the folder wins.
    assert.deepEqual(await read('db-password'), fingerprint(values.dbPassword));
    assert.deepEqual(await read('dir-only'), fingerprint(values.fromDirOnly));
    assert.deepEqual(await read('redis-secret'), fingerprint(values.fromRedis));
  });

  test('an unknown secret fails the task with SecretNotFoundError naming it and every place looked', { timeout: 60_000 }, async () => {
    const run = await client.flowRuns.start('secrets-read', { name: 'no-such-secret' });
    await assert.rejects(run.result());
    const task = (await client.flowRuns.get(run.id)).taskRuns?.[0];
    assert.equal(task?.error?.type, 'SecretNotFoundError');
    assert.equal(
      task?.error?.message,
      `no secret named 'no-such-secret' (looked in: environment variable BATON_SECRET_NO_SUCH_SECRET; file ${path.join(dir, 'no-such-secret')}; field 'no-such-secret' of Redis hash '${hashKey}' at ${redis.url}/0)`,
    );
  });

  test('getSecret in flow code fails the run saying why; outside a worker it says no worker runs here', { timeout: 60_000 }, async () => {
    const run = await client.flowRuns.start('secrets-in-flow', { name: 'api-token' });
    await assert.rejects(
      run.result(),
      /getSecret\('api-token'\) cannot run in flow code: what a flow holds is recorded in its history, and secrets never are. Read the secret in a task \(import getSecret from 'baton'\)/,
    );
    await assert.rejects(getSecret('api-token'), /reads the secret sources of a Baton worker, and no worker runs in this process/);
  });

  test('a JSON file store read anew at each lookup; bad settings are errors naming the variable, never a value', { timeout: 30_000 }, async () => {
    const file = path.join(dir, 'store.json');
    const first = secret('json');
    fs.writeFileSync(file, JSON.stringify({ 'json-secret': first, number: 5 }));
    const sources = await openSecretSources({ BATON_SECRETS_URL: pathToFileURL(file).href, BATON_SECRETS_DIR: undefined }, {});
    assert.equal(await sources.get('json-secret'), first);
    const rotated = secret('rotated');
    fs.writeFileSync(file, JSON.stringify({ 'json-secret': rotated }));
    assert.equal(await sources.get('json-secret'), rotated);
    await assert.rejects(sources.get('missing'), (err: unknown) => err instanceof SecretNotFoundError && err.sources.length === 2 && err.secret === 'missing');
    fs.writeFileSync(file, `{"json-secret": "${rotated}"`);
    await assert.rejects(
      sources.get('json-secret'),
      (err: unknown) => err instanceof ConfigError && !err.message.includes(rotated) && /BATON_SECRETS_URL: .*store.json is not JSON/.test(err.message),
    );

    for (const [env, message] of [
      [
        { BATON_SECRETS_URL: 'http://vault.example/secrets' },
        /BATON_SECRETS_URL: must be redis:\/\/host:port\[\/db\]\[\?key=hash\], rediss:\/\/\.\.\., or file:\/\/\/absolute\/path\.json/,
      ],
      [{ BATON_SECRETS_URL: 'file:///etc/secrets.txt' }, /BATON_SECRETS_URL: .*a file URL names an absolute path to a \.json file/],
      [{ BATON_SECRETS_URL: 'redis://127.0.0.1:6379?hash=x' }, /BATON_SECRETS_URL: .*unknown parameter 'hash'/],
      [{ BATON_SECRETS_DIR: ' ' }, /BATON_SECRETS_DIR: must not be empty/],
    ] as const) {
      assert.throws(() => loadConfig({ ...env }), message);
    }
    await assert.rejects(
      openSecretSources({ BATON_SECRETS_DIR: path.join(dir, 'db-password'), BATON_SECRETS_URL: undefined }),
      /BATON_SECRETS_DIR: .*db-password is not a folder/,
    );
    await assert.rejects(
      openSecretSources({ BATON_SECRETS_URL: `redis://:hunter2-password@127.0.0.1:1/0`, BATON_SECRETS_DIR: undefined }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /BATON_SECRETS_URL: cannot reach the secret store at redis:\/\/127\.0\.0\.1:1\/0/.test(err.message) &&
        !err.message.includes('hunter2'),
    );
  });

  test('a secret logged, printed, published, streamed, returned and thrown is in no history, log, output, artifact or API answer', { timeout: 120_000 }, async () => {
    const token = values.apiToken;
    const careless = await client.flowRuns.start('secrets-careless', { name: 'api-token' });
    await assert.rejects(careless.result(), /authentication failed for token \[redacted\]/);
    const prints = await client.flowRuns.start('secrets-prints', { name: 'api-token' });
    assert.deepEqual(await prints.result(), fingerprint(token));
    const returns = await client.flowRuns.start('secrets-return', { name: 'api-token' });
    await assert.rejects(returns.result(), /task secrets-return returned a value holding the secret 'api-token'/);
    const runs = [careless.id, prints.id, returns.id];

    // What people read through the API: each run, its task runs, its logs and artifacts.
    const answers: string[] = [];
    for (const id of runs) {
      for (const route of ['', '/task-runs', '/logs', '/artifacts']) {
        const res = await api.call('GET', `/api/flow-runs/${id}${route}`);
        assert.equal(res.status, 200, `${route}: ${JSON.stringify(res.body)}`);
        answers.push(JSON.stringify(res.body));
      }
    }
    const keyed = await api.call('GET', '/api/artifacts?key=secret-fingerprint');
    answers.push(JSON.stringify(keyed.body));
    const all = answers.join('\n');
    // The lines were written (redacted), and what was refused says why.
    assert.match(all, /connecting with token \[redacted\]/);
    assert.match(all, /"token":"\[redacted\]"/);
    assert.match(all, /Bearer \[redacted\]/);
    assert.match(all, /printed: \[redacted\]/);
    assert.match(all, /the artifact holds the secret 'api-token'/);
    assert.match(all, /stream\(\) refused a value holding the secret 'api-token'/);
    assert.match(all, /heartbeat\(\) refused details holding the secret 'api-token'/);
    assert.match(all, /authentication failed for token \[redacted\]/);
    assert.match(all, new RegExp(`token fingerprint ${fingerprint(token).sha256}`));
    assert.ok(!all.includes(token), 'the API answers hold no secret');

    // The histories, byte for byte (payloads as they are stored), in plain text and in base64.
    const forms = [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('hex')];
    for (const id of runs) {
      const history = await client.temporal.workflow.getHandle(id).fetchHistory();
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      // As plain data, bytes as text (a protobuf message's own toJSON would write bytes as base64).
      const plain = (v: unknown): unknown =>
        v instanceof Uint8Array
          ? Buffer.from(v).toString('latin1')
          : Array.isArray(v)
            ? v.map(plain)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
              : v;
      const json = JSON.stringify(plain(history));
      assert.ok(bytes.length > 1_000 && json.includes('[redacted]') === (id === careless.id), `${id}: a history was read`);
      for (const form of forms) assert.ok(!bytes.includes(form) && !json.includes(form), `the history of ${id} holds the secret`);
    }

    // The run logs store and the worker's own output.
    await stopWorker();
    const logs = filesUnder(path.join(loadConfig().BATON_HOME, 'logs'));
    assert.ok(
      logs.some((f) => f.text.includes('connecting with token [redacted]')),
      'the run logs store kept the line, redacted',
    );
    for (const { file, text } of logs) assert.ok(!text.includes(token), `${file} holds the secret`);
    assert.match(output.stdout, /plain print: \[redacted\]/);
    assert.match(output.stdout + output.stderr, /printed to stderr: \[redacted\]/);
    assert.ok(!output.stdout.includes(token) && !output.stderr.includes(token), "the worker's stdout and stderr hold no secret");
  });
});
