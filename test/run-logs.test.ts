/**
 * Runs' logs: every line a run's flow code and task code logged (logPrints included) is kept per
 * run, in files by default and in Redis for several machines, and read through the API (a page,
 * or followed as Server-Sent Events) and `baton flow-run logs`. Secrets never reach the store.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import type { RunLogLine } from '../src/core/schemas';
import { FileRunLogStore } from '../src/run-logs/file-run-log-store';
import { lineMatcher, type StoredLine } from '../src/run-logs/run-log-line';
import { RedisRunLogStore } from '../src/run-logs/redis-run-log-store';
import { loadModule } from '../src/workers/load-module';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, tempDir, testTarget, uid, type TestWorker } from './helpers';
import { startOwnRedis, type OwnRedis } from './redis-process';

const FLOWS = path.join(FIXTURES, 'run-logs');
// A secret in the environment before any logger exists: every logger of this process knows it.
const SECRET_VARIABLE = 'RUN_LOGS_TEST_TOKEN';
const SECRET = `rl-${randomBytes(16).toString('hex')}`;
process.env[SECRET_VARIABLE] = SECRET;

/** Every line of a run through the API, page by page (`limit` lines a page). */
async function allLines(api: TestApi, id: string, query = '', limit = 200): Promise<RunLogLine[]> {
  const lines: RunLogLine[] = [];
  let after = '';
  for (;;) {
    const res = await api.call('GET', `/api/flow-runs/${id}/logs?limit=${limit}${after ? `&after=${after}` : ''}${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    lines.push(...(res.body.lines as RunLogLine[]));
    if (res.body.lines.length < limit) return lines;
    after = res.body.next;
  }
}

/** `baton …` against an API; resolves with its exit code and output. */
function baton(args: string[], apiUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...process.env, BATON_API_URL: apiUrl } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stderr += String(c)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

describe('run logs in files, the default: one worker, read through the API and the CLI', { timeout: 120_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  let home: string;
  before(async () => {
    home = tempDir();
    w = await startWorker({ flows: FLOWS, env: { BATON_HOME: home } });
    api = await startTestApi(w.client, undefined, { runLogs: new FileRunLogStore(path.join(home, 'logs'), { maxLines: 10_000 }) });
  });
  after(async () => {
    await api?.close();
    await w?.stop();
  });

  test("a run's lines from the flow, its tasks and their prints, in order and named; a secret logged by mistake is cut out", async () => {
    const run = await w.client.flowRuns.start('logs-every', { secretVariable: SECRET_VARIABLE });
    assert.equal(await run.result(), 'ok');
    const lines = await eventually(async () => {
      const got = await allLines(api, run.id);
      return got.some((l) => l.message === 'flow is done') && got.filter((l) => l.taskName === 'logs-note').length === 6 ? got : undefined;
    });
    // Lines are stored in batches, each in time order; a flow's line reaches the logger after its
    // workflow task, so across batches it may be stored after lines logged later. By time:
    const byTime = [...lines].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    const said = byTime.map((l) => `${l.level} ${l.taskName ?? 'flow'}: ${l.message}`);
    // The map's two items may log in either order; everything else comes in the order it ran.
    const mapped = said.slice(5, 9).sort();
    assert.deepEqual(
      [...said.slice(0, 5), ...mapped, ...said.slice(9)],
      [
        'info flow: flow started its work',
        'info logs-note: noting alpha',
        'warn logs-note: careful with alpha',
        'info logs-shout: SHOUT beta',
        'info logs-leak: the token is [redacted]',
        'info logs-note: noting delta',
        'info logs-note: noting gamma',
        'warn logs-note: careful with delta',
        'warn logs-note: careful with gamma',
        'warn flow: flow is done',
      ],
    );
    const alpha = byTime[1]!;
    assert.equal(alpha.attempt, 1);
    assert.match(alpha.taskRunId!, new RegExp(`^${run.id}:`));
    assert.deepEqual(alpha.fields, { word: 'alpha' });
    assert.equal(alpha.pid, process.pid);
    assert.equal(byTime[3]!.print, true, 'a print of a logPrints task is marked');
    assert.equal(byTime[0]!.taskName, undefined, "the flow's own lines name no task");
    // The line's file never held the secret.
    const file = new FileRunLogStore(path.join(home, 'logs'), { maxLines: 10_000 }).fileOf(run.id);
    const stored = fs.readFileSync(file, 'utf8');
    assert.ok(stored.includes('the token is [redacted]'));
    assert.ok(!stored.includes(SECRET), 'the secret is not in the store');
    assert.ok(!fs.readdirSync(path.join(home, 'logs')).some((f) => fs.readFileSync(path.join(home, 'logs', f), 'utf8').includes(SECRET)));

    // Filters: one task's lines; lines at warn and above; pages of one line read on with `next`.
    assert.deepEqual(
      (await allLines(api, run.id, '&task=logs-shout')).map((l) => l.message),
      ['SHOUT beta'],
    );
    const warnings = await allLines(api, run.id, '&level=warn');
    assert.equal(warnings.length, 4);
    assert.ok(warnings.every((l) => l.level === 'warn'));
    assert.deepEqual(
      (await allLines(api, run.id, '', 1)).map((l) => l.message),
      lines.map((l) => l.message),
    );
    const rest = await api.call('GET', `/api/flow-runs/${run.id}/logs?after=${lines[7]!.cursor}`);
    assert.deepEqual(
      rest.body.lines.map((l: RunLogLine) => l.message),
      lines.slice(8).map((l) => l.message),
    );

    // The CLI prints the same lines, filtered the same way.
    const cli = await baton(['flow-run', 'logs', run.id, '--level', 'warn'], api.base);
    assert.equal(cli.code, 0, cli.stderr);
    const printed = cli.stdout.trim().split('\n');
    assert.equal(printed.length, 4);
    assert.match(printed[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[logs-note\] careful with alpha$/);
    assert.match(printed[3]!, /WARN {2}\[flow\] flow is done$/);
    const json = await baton(['flow-run', 'logs', run.id, '--task', 'logs-leak', '--json'], api.base);
    assert.equal((JSON.parse(json.stdout) as RunLogLine).message, 'the token is [redacted]');
  });

  test('following a run that goes on: each line as it is logged, then the end (API and `baton flow-run logs --follow`)', async () => {
    const run = await w.client.flowRuns.start('logs-slow', { seconds: 3 });
    const [cli, res] = await Promise.all([
      baton(['flow-run', 'logs', run.id, '--follow', '--level', 'warn'], api.base),
      fetch(`${api.base}/api/flow-runs/${run.id}/logs/stream?task=logs-note`),
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(
      cli.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/^.* WARN {2}/, '')),
      ['[logs-note] careful with tick-1', '[logs-note] careful with tick-2', '[logs-note] careful with tick-3'],
    );
    assert.equal(await run.result(), 3);
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('id:') || e.startsWith('event:'));
    assert.equal(events.filter((e) => e.includes('event: log')).length, 6, text);
    assert.match(events.at(-1)!, /^event: end\ndata: \{\}$/);
  });

  test('bad input: an unknown run is a 404; a bad level, cursor or limit a 400 naming it; the CLI says the same', async () => {
    const missing = uid('no-run');
    assert.equal((await api.call('GET', `/api/flow-runs/${missing}/logs`)).status, 404);
    for (const [query, field] of [
      ['level=loud', 'level'],
      ['after=abc', 'after'],
      ['limit=0', 'limit'],
      ['colour=red', 'colour'],
    ] as const) {
      const res = await api.call('GET', `/api/flow-runs/${missing}/logs?${query}`);
      assert.equal(res.status, 400, query);
      assert.ok(JSON.stringify(res.body.error.details).includes(field), `${query}: ${JSON.stringify(res.body)}`);
    }
    const cli = await baton(['flow-run', 'logs', missing, '--level', 'loud'], api.base);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /--level must be one of trace, debug, info, warn, error, fatal, got 'loud'/);
  });
});

describe("the stores' limits and expiry", { timeout: 60_000 }, () => {
  let redis: OwnRedis;
  before(async () => {
    redis = await startOwnRedis();
  });
  after(() => redis?.stop());

  const line = (i: number): StoredLine => ({ time: new Date().toISOString(), level: 'info', message: `line ${i}` });
  const batch = (runId: string, from: number, n: number) => new Map([[runId, Array.from({ length: n }, (_, i) => line(from + i))]]);

  test('each store keeps the first lines up to its limit, then one line saying so; Redis logs expire with the retention; old files are swept', async () => {
    const file = new FileRunLogStore(tempDir(), { maxLines: 10 });
    const shared = await RedisRunLogStore.connect(redis.url, { maxLines: 10, prefix: `${uid('logs')}:` });
    try {
      for (const store of [file, shared]) {
        const runId = uid('run');
        await store.append(batch(runId, 0, 6), 60_000);
        await store.append(batch(runId, 6, 9), 60_000);
        await store.append(batch(runId, 15, 3), 60_000);
        const { lines } = await store.read(runId, { limit: 100, keep: lineMatcher({}) });
        assert.deepEqual(
          lines.map((l) => l.message),
          [...Array.from({ length: 10 }, (_, i) => `line ${i}`), "this run's log holds its first 10 lines (BATON_RUN_LOG_MAX_LINES); later lines were dropped"],
          store.kind,
        );
      }
      const runId = uid('run');
      await shared.append(batch(runId, 0, 1), 30_000);
      const client = createClient({ url: redis.url });
      await client.connect();
      try {
        const ttl = await client.pTTL(shared.keyOf(runId));
        assert.ok(ttl > 25_000 && ttl <= 30_000, `expires with the retention (${ttl} ms)`);
      } finally {
        await client.quit();
      }
      const old = uid('old');
      const fresh = uid('fresh');
      await file.append(batch(old, 0, 1), 60_000);
      await file.append(batch(fresh, 0, 1), 60_000);
      const hourAgo = new Date(Date.now() - 3_600_000);
      fs.utimesSync(file.fileOf(old), hourAgo, hourAgo);
      await file.sweep(60_000);
      assert.equal(fs.existsSync(file.fileOf(old)), false, 'a log past its retention is removed');
      assert.equal(fs.existsSync(file.fileOf(fresh)), true);
    } finally {
      await shared.close();
    }
  });
});

describe('run logs in Redis, shared: two worker processes write to one run, an API reads it', { timeout: 120_000 }, () => {
  let redis: OwnRedis;
  const workers: ChildProcess[] = [];
  let client: BatonClient;
  let api: TestApi;
  let store: RedisRunLogStore;
  const taskQueue = uid('tq');
  before(async () => {
    redis = await startOwnRedis();
    for (let i = 0; i < 2; i++) {
      workers.push(
        spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', FLOWS, '--task-queue', taskQueue, '--concurrency', '10'], {
          cwd: ROOT,
          env: { ...process.env, BATON_RUN_LOGS: 'redis', BATON_REDIS_URL: redis.url, BATON_HOME: tempDir() },
          stdio: 'ignore',
        }),
      );
    }
    client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: loadModule(FLOWS).flows });
    store = await RedisRunLogStore.connect(redis.url, { maxLines: 10_000 });
    api = await startTestApi(client, undefined, { runLogs: store });
  });
  after(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await api?.close();
    await store?.close();
    await client?.close();
    redis?.stop();
  });

  test("both processes' lines are in the run's one log, each once, and the secret in neither", async () => {
    // Both workers poll before the run starts, so its tasks spread over the two.
    await eventually(async () => {
      const described = await client.temporal.workflowService.describeTaskQueue({
        namespace: testTarget().namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 2,
      });
      return new Set(described.pollers.map((p) => p.identity)).size >= 2 || undefined;
    }, 60_000);
    const run = await client.flowRuns.start('logs-spread', { n: 20, pauseMs: 200 });
    assert.equal(await run.result(), 2, 'both workers ran some of the tasks');
    const lines = await eventually(async () => {
      const got = await allLines(api, run.id, '&task=logs-where');
      return got.length >= 20 ? got : undefined;
    });
    assert.equal(lines.length, 20);
    assert.deepEqual(
      [...new Set(lines.map((l) => (l.fields as { i: number }).i))].sort((a, b) => a - b),
      [...Array(20).keys()],
    );
    const pids = new Set(lines.map((l) => l.pid));
    assert.equal(pids.size, 2, 'lines from both worker processes');
    for (const l of lines) assert.equal(l.message, `item ${(l.fields as { i: number }).i} ran in process ${l.pid}`);

    const leak = await client.flowRuns.start('logs-every', { secretVariable: SECRET_VARIABLE });
    assert.equal(await leak.result(), 'ok');
    await eventually(async () => ((await allLines(api, leak.id)).some((l) => l.message === 'flow is done') ? true : undefined));
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const entries = await raw.xRange(store.keyOf(leak.id), '-', '+');
      const text = JSON.stringify(entries);
      assert.ok(text.includes('the token is [redacted]'));
      assert.ok(!text.includes(SECRET), 'the secret is not in the store');
    } finally {
      await raw.quit();
    }
  });
});
