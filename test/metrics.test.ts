import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { after, before, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { freePort } from '../src/server/temporal-server';
import { loadModule } from '../src/workers/load-module';
import { eventually, FIXTURES, ROOT, tempDir, testTarget, uid } from './helpers';

const METRICS_FLOWS = path.join(FIXTURES, 'metrics');

/** What each endpoint served in the tests below, for the dashboard's check at the end. */
const served = { worker: '', api: '' };
import { startTestApi, workerAndApi } from './api-helpers';

/** The value of the first sample of `name` whose labels include every pair in `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

// A worker process started with BATON_METRICS_PORT serves Prometheus metrics: Temporal's runtime
// metrics and Baton's own, recorded through the SDK's metric meter.
describe('worker metrics', { timeout: 120_000 }, () => {
  let child: ChildProcess;
  let client: BatonClient;
  let port: number;
  const taskQueue = uid('tq');
  before(async () => {
    port = await freePort();
    child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', METRICS_FLOWS, '--task-queue', taskQueue], {
      cwd: ROOT,
      // A cache of its own, so the first cached call is a miss.
      env: { ...process.env, BATON_METRICS_PORT: String(port), BATON_HOME: tempDir() },
      stdio: 'ignore',
    });
    client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: loadModule(METRICS_FLOWS).flows });
  });
  after(async () => {
    child?.kill('SIGTERM');
    await client?.close();
  });

  test('after a run, /metrics has its flow run, task attempts, cache lookups, stream items, limit waits and the SDK counters', async () => {
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await eventually(
      () =>
        scrape().then(
          (t) => t.length > 0 || undefined,
          () => undefined,
        ),
      60_000,
    );
    const input = Date.now();
    const run = await client.flowRuns.start('metrics-every', { input });
    assert.deepEqual(await run.result(), { first: input * 2, again: input * 2, words: 5, paused: [20, 20, 20] });
    const text = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'baton_flow_runs', { flow: 'metrics-every', state: 'Completed' }) ? t : undefined;
    });
    assert.equal(sample(text, 'baton_flow_runs', { flow: 'metrics-every', state: 'Completed', taskQueue }), 1);
    assert.equal(sample(text, 'baton_flow_duration_count', { flow: 'metrics-every', state: 'Completed', taskQueue }), 1);
    // The flow waited for its tasks, three of them 20 ms each one after another.
    assert.ok((sample(text, 'baton_flow_duration_sum', { flow: 'metrics-every', state: 'Completed', taskQueue }) ?? 0) >= 60);
    // The second cached call was answered from the cache: the task ran once.
    assert.equal(sample(text, 'baton_task_runs', { task: 'metrics-double', state: 'Completed', attempt: 'first', taskQueue }), 1);
    assert.equal(sample(text, 'baton_task_duration_count', { task: 'metrics-double', state: 'Completed', taskQueue }), 1);
    assert.equal(sample(text, 'baton_task_runs', { task: 'metrics-pause', state: 'Completed', attempt: 'first', taskQueue }), 3);
    assert.equal(sample(text, 'baton_cache_lookups', { task: 'metrics-double', result: 'miss', taskQueue }), 1);
    assert.equal(sample(text, 'baton_cache_lookups', { task: 'metrics-double', result: 'hit', taskQueue }), 1);
    assert.equal(sample(text, 'baton_stream_items', { task: 'metrics-speak', taskQueue }), 5);
    // Three jobs through one slot: the second and the third waited.
    assert.equal(sample(text, 'baton_limit_waits', { limit: 'map:metrics-pause', taskQueue }), 2);
    assert.ok((sample(text, 'temporal_workflow_completed', { task_queue: taskQueue }) ?? 0) >= 1, 'the SDK runtime metrics are served beside them');
    served.worker = text;
  });
});

test('a worker whose metrics port is taken stops at start with an error naming BATON_METRICS_PORT', { timeout: 60_000 }, async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', METRICS_FLOWS, '--task-queue', uid('tq')], {
      cwd: ROOT,
      env: { ...process.env, BATON_METRICS_PORT: String(port) },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += String(c)));
    const [code] = (await once(child, 'exit')) as [number];
    assert.notEqual(code, 0);
    assert.match(
      stderr,
      new RegExp(`BATON_METRICS_PORT: cannot serve metrics on 127\\.0\\.0\\.1:${port} \\(BATON_METRICS_HOST:BATON_METRICS_PORT\\): Address already in use`),
    );
    assert.ok(!stderr.includes('    at '), 'no stack trace');
  } finally {
    taken.close();
  }
});

// The API serves its own metrics at GET /metrics: requests by method, declared route and status,
// and their latency; ids never become labels.
describe('API metrics', { timeout: 60_000 }, () => {
  const ctx = workerAndApi();

  test('after a run started through the API, /metrics counts each request by its route and status and times it', async () => {
    const { api, w } = ctx;
    const started = await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'scraped' } });
    assert.equal(started.status, 201);
    assert.equal(await w.client.flowRuns.result(started.body.id), 'hello scraped.');
    assert.equal((await api.call('GET', `/api/flow-runs/${started.body.id}`)).status, 200);
    const missing = uid('missing');
    assert.equal((await api.call('GET', `/api/flow-runs/${missing}`)).status, 404);
    assert.equal((await fetch(`${api.base}/no/such/${missing}`)).status, 404);
    const res = await fetch(`${api.base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const run = { method: 'POST', route: '/api/flows/:name/runs', status: '201' };
    assert.equal(sample(text, 'baton_api_requests_total', run), 1);
    assert.equal(sample(text, 'baton_api_request_duration_seconds_count', run), 1);
    assert.ok((sample(text, 'baton_api_request_duration_seconds_sum', run) ?? 0) > 0, 'the start took some time');
    assert.equal(sample(text, 'baton_api_requests_total', { method: 'GET', route: '/api/flow-runs/:id', status: '200' }), 1);
    assert.equal(sample(text, 'baton_api_requests_total', { method: 'GET', route: '/api/flow-runs/:id', status: '404' }), 1);
    assert.equal(sample(text, 'baton_api_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
    assert.ok(!text.includes(started.body.id) && !text.includes(missing), 'no id reaches a label');
    assert.ok((sample(text, 'process_resident_memory_bytes', {}) ?? 0) > 0, "Node's process metrics are served beside them");
    // The next scrape counts the one before it.
    const again = await (await fetch(`${api.base}/metrics`)).text();
    assert.equal(sample(again, 'baton_api_requests_total', { method: 'GET', route: '/metrics', status: '200' }), 1);
    served.api = again;
  });

  test('with API keys, /metrics needs one: 401 without, 200 with a read key', async () => {
    const keyed = await startTestApi(ctx.w.client, 'scraper:read:metrics-reader-0123456789');
    try {
      assert.equal((await fetch(`${keyed.base}/metrics`)).status, 401);
      const res = await fetch(`${keyed.base}/metrics`, { headers: { authorization: 'Bearer metrics-reader-0123456789' } });
      assert.equal(res.status, 200);
      assert.equal(sample(await res.text(), 'baton_api_requests_total', { method: 'GET', route: '/metrics', status: '401' }), 1);
    } finally {
      await keyed.close();
    }
  });
});

// The Compose stacks' optional `metrics` profile: Prometheus scrapes what the workers and the API
// serve, and Grafana's dashboard queries only series they serve.
describe('the metrics profile', () => {
  const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

  test('every series the Grafana dashboard queries is one a worker or the API served above', () => {
    assert.ok(served.worker && served.api, 'the scrapes above ran');
    const dashboard = JSON.parse(read('docker/grafana/dashboards/baton.json')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    assert.ok(exprs.length >= 10, 'the dashboard has its panels');
    const names = new Set(exprs.flatMap((e) => e.match(/\b(?:baton|temporal)_\w+/g) ?? []));
    const missing = [...names].filter((name) => !new RegExp(`^${name}[{ ]`, 'm').test(`${served.worker}\n${served.api}`));
    assert.deepEqual(missing, []);
  });

  test('Prometheus scrapes the port workers serve on and reads the key file Compose mounts; Grafana gets its provisioning', () => {
    const prometheus = YAML.parse(read('docker/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[]; authorization?: { credentials_file: string } }[];
    };
    const jobs = new Map(prometheus.scrape_configs.map((c) => [c.job_name, c]));
    for (const file of ['docker-compose.yml', 'docker-compose.dev.yml']) {
      const compose = YAML.parse(read(file), { merge: true }) as {
        services: Record<string, { environment?: Record<string, unknown>; profiles?: string[]; volumes?: string[] }>;
      };
      const worker = jobs.get('baton-worker')!.dns_sd_configs![0]!;
      assert.deepEqual(worker.names, ['baton-worker'], file);
      assert.equal(String(compose.services['baton-worker']!.environment!.BATON_METRICS_PORT), String(worker.port), file);
      assert.equal(compose.services['baton-worker']!.environment!.BATON_METRICS_HOST, '0.0.0.0', file);
      for (const name of ['prometheus', 'grafana']) assert.deepEqual(compose.services[name]!.profiles, ['metrics'], `${file}: ${name}`);
      const mounts = (name: string) => (compose.services[name]!.volumes ?? []).map((v) => v.split(':'));
      const keyMount = mounts('prometheus').find((m) => m.at(-2) === jobs.get('baton-api')!.authorization!.credentials_file);
      assert.ok(keyMount, `${file}: the API key file Prometheus reads is mounted`);
      for (const [source] of mounts('grafana').filter((m) => m[0]!.startsWith('./docker/grafana/provisioning') || m[0]!.startsWith('./docker/grafana/dashboards'))) {
        assert.ok(fs.existsSync(path.join(ROOT, source!)), `${file}: ${source} exists`);
      }
    }
  });
});
