/**
 * `baton doctor` against a real setup (the suite's Temporal, an API and a worker started here, a
 * stdio MCP server), then against one where each part is broken in its own way: every part is
 * reported with its cause and the command that fixes it, and nothing secret is printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './api-helpers';
import { ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';

const ADMIN = 'doctor-admin-0123456789';
const MCP_SECRET = 'doctor-mcp-secret-0123456789';

interface Part {
  part: string;
  status: 'ok' | 'failed' | 'warning' | 'skipped';
  detail: string;
  fix?: string;
}

/** The CLI as a user runs it, from a folder without baton.yaml, ended after 30 s at most. */
function baton(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: tempDir(), env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = (s.address() as net.AddressInfo)!;
      s.close(() => resolve(port));
    });
  });
}

describe('baton doctor', { timeout: 120_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  const everything = path.join(ROOT, 'node_modules', '.bin', 'mcp-server-everything');
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client, `ops:admin:${ADMIN}`);
  });
  after(async () => {
    await api?.close();
    await w?.stop();
  });

  test('all green: Temporal, its namespace and search attributes, the Web UI, the API and key, the workers, a stdio MCP server', { timeout: 40_000 }, async () => {
    const env = {
      BATON_API_URL: api.base,
      BATON_API_KEY: ADMIN,
      BATON_MCP_SERVERS: JSON.stringify({ everything: { command: everything, env: { SOME_TOKEN: MCP_SECRET } } }),
      BATON_CACHE_STORE: 'file',
    };
    const res = await baton(['doctor', '--task-queue', w.taskQueue, '--json'], env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const report = JSON.parse(res.stdout) as { healthy: boolean; parts: Part[] };
    assert.equal(report.healthy, true);
    const status = Object.fromEntries(report.parts.map((p) => [p.part, p.status]));
    assert.deepEqual(
      {
        Temporal: status.Temporal,
        namespace: status["Temporal namespace 'default'"],
        attributes: status['search attributes'],
        ui: status['Web UI'],
        api: status.API,
        key: status['API key'],
        workers: status[`workers (task queue '${w.taskQueue}')`],
        mcp: status["MCP server 'everything'"],
        redis: status.Redis,
      },
      { Temporal: 'ok', namespace: 'ok', attributes: 'ok', ui: 'ok', api: 'ok', key: 'ok', workers: 'ok', mcp: 'ok', redis: 'skipped' },
    );
    assert.match(report.parts.find((p) => p.part === "MCP server 'everything'")!.detail, /^stdio command 'mcp-server-everything': \d+ tools in \d+ ms$/);
    assert.match(report.parts.find((p) => p.part === `workers (task queue '${w.taskQueue}')`)!.detail, /^1 worker polls it$/);
    // The human form says the same, and neither prints a secret.
    const human = await baton(['doctor', '--task-queue', w.taskQueue], env);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, /^ok {3}Temporal: reachable at /m);
    assert.match(human.stdout, /every required part answers/);
    for (const out of [res, human]) {
      assert.ok(!(out.stdout + out.stderr).includes(ADMIN), 'the API key is never printed');
      assert.ok(!(out.stdout + out.stderr).includes(MCP_SECRET), "an MCP server's env is never printed");
    }
    assert.ok(res.ms < 20_000, `doctor took ${res.ms} ms`);
  });

  test(
    'the API down, a task queue without workers, an MCP command that does not exist, Redis unreachable: each with its cause and fix, exit 1',
    { timeout: 40_000 },
    async () => {
      const [apiPort, redisPort] = [await closedPort(), await closedPort()];
      const idle = uid('doctor-idle');
      const env = {
        BATON_API_URL: `http://127.0.0.1:${apiPort}`,
        BATON_API_KEY: ADMIN,
        BATON_MCP_SERVERS: JSON.stringify({ missing: { command: '/no/such/mcp-server-cmd', args: ['--token', MCP_SECRET] } }),
        BATON_CACHE_STORE: 'redis',
        BATON_REDIS_URL: `redis://user:${MCP_SECRET}@127.0.0.1:${redisPort}`,
      };
      const res = await baton(['doctor', '--task-queue', idle, '--json'], env);
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const report = JSON.parse(res.stdout) as { healthy: boolean; parts: Part[] };
      assert.equal(report.healthy, false);
      const part = (name: string) => report.parts.find((p) => p.part === name)!;
      assert.equal(part('Temporal').status, 'ok', 'Temporal itself is fine');

      assert.equal(part('API').status, 'failed');
      assert.match(part('API').detail, new RegExp(`no answer at http://127\\.0\\.0\\.1:${apiPort}: fetch failed: connect ECONNREFUSED`));
      assert.match(part('API').fix!, /`npx baton server start`.*`baton api start --flows <module>`.*BATON_API_URL/);
      assert.equal(part('API key').status, 'skipped');

      const workers = part(`workers (task queue '${idle}')`);
      assert.equal(workers.status, 'failed');
      assert.equal(workers.detail, 'no worker polls it for flows or tasks');
      assert.equal(workers.fix, `start one where your flows are: \`baton worker start --flows <module> --task-queue ${idle}\``);

      const mcp = part("MCP server 'missing'");
      assert.equal(mcp.status, 'failed');
      assert.match(mcp.detail, /^stdio command 'mcp-server-cmd' did not answer: .*not found/);
      assert.match(mcp.fix!, /install the command or correct it in BATON_MCP_SERVERS; `baton mcp tools missing`/);

      const redis = part('Redis');
      assert.equal(redis.status, 'failed');
      assert.match(redis.detail, new RegExp(`no answer at redis://127\\.0\\.0\\.1:${redisPort}: .*ECONNREFUSED`));
      assert.match(redis.fix!, /start it .*or correct BATON_REDIS_URL; or set BATON_CACHE_STORE=file/);

      assert.deepEqual(
        report.parts
          .filter((p) => p.status === 'failed')
          .map((p) => p.part)
          .sort(),
        ['API', "MCP server 'missing'", 'Redis', `workers (task queue '${idle}')`].sort(),
      );
      assert.ok(!(res.stdout + res.stderr).includes(MCP_SECRET), 'no password, args or env are printed');

      const human = await baton(['doctor', '--task-queue', idle], env);
      assert.equal(human.code, 1);
      assert.match(human.stdout, /^FAIL Redis: no answer at .*\n {7}fix: start it/m);
      assert.match(human.stdout, /4 parts need attention/);
      assert.ok(res.ms < 20_000, `doctor took ${res.ms} ms`);
    },
  );

  test('a namespace that does not exist: named with the command that creates it; the workers behind it skipped', { timeout: 30_000 }, async () => {
    const namespace = uid('doctor-ns');
    const res = await baton(['doctor', '--json', '--task-queue', w.taskQueue], { TEMPORAL_NAMESPACE: namespace, BATON_API_URL: api.base, BATON_API_KEY: ADMIN });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const parts = (JSON.parse(res.stdout) as { parts: Part[] }).parts;
    const ns = parts.find((p) => p.part === `Temporal namespace '${namespace}'`)!;
    assert.equal(ns.status, 'failed');
    assert.match(ns.fix!, new RegExp(`temporal operator namespace create --namespace ${namespace} --address `));
    assert.equal(parts.find((p) => p.part === `workers (task queue '${w.taskQueue}')`)!.status, 'skipped');
  });

  test('Temporal unreachable: the fix names the server start and TEMPORAL_ADDRESS; the parts behind it are skipped', { timeout: 30_000 }, async () => {
    const port = await closedPort();
    const res = await baton(['doctor', '--json'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, BATON_API_URL: api.base, BATON_API_KEY: ADMIN });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const parts = (JSON.parse(res.stdout) as { parts: Part[] }).parts;
    const temporal = parts.find((p) => p.part === 'Temporal')!;
    assert.equal(temporal.status, 'failed');
    assert.match(temporal.detail, new RegExp(`not reachable at 127\\.0\\.0\\.1:${port}`));
    assert.match(temporal.fix!, /TEMPORAL_ADDRESS/);
    assert.equal(parts.find((p) => p.part === "workers (task queue 'baton')")!.status, 'skipped');
    assert.equal(parts.find((p) => p.part === 'API')!.status, 'ok', 'the API answers on its own');
    assert.ok(res.ms < 20_000, `doctor took ${res.ms} ms`);
  });
});
