/**
 * `baton deploy`'s checks against a real API, Temporal and workers: a task queue no worker polls
 * refuses the deploy (and nothing is created), the same file deploys once a worker polls it,
 * --skip-checks and --deploy-only deploy anyway; an API that does not answer, a read-only key and
 * an MCP server the API cannot reach each refuse it with their own fix.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { mcpHealthProbe, type McpHealthProbe } from '../src/mcp/mcp-health';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';

const ADMIN = 'deploy-admin-0123456789';
const READER = 'deploy-reader-0123456789';

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

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A baton.yaml of these entries, in a fresh folder. */
function deployFile(entries: Record<string, unknown>[]): string {
  const file = path.join(tempDir(), 'baton.yaml');
  fs.writeFileSync(file, JSON.stringify({ deployments: entries }));
  return file;
}

describe('baton deploy checks before it deploys', { timeout: 180_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  const created: string[] = [];
  const workers: TestWorker[] = [];
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client, `ops:admin:${ADMIN},dash:read:${READER}`);
  });
  after(async () => {
    for (const name of created) await w?.client.deployments.delete(name).catch(() => undefined);
    for (const extra of workers) await extra.stop();
    await api?.close();
    await w?.stop();
  });
  const env = () => ({ BATON_API_URL: api.base, BATON_API_KEY: ADMIN });
  const exists = async (name: string) => (await api.call('GET', `/api/deployments/${name}`, undefined, { authorization: `Bearer ${ADMIN}` })).status === 200;

  test('no worker polls the task queue: refused, nothing created; deployed once a worker polls it', { timeout: 60_000 }, async () => {
    const queue = uid('deploy-q');
    const name = uid('deploy-checked');
    created.push(name);
    const file = deployFile([{ name, flow: 'hello', taskQueue: queue, parameters: { name: 'checks' } }]);
    const refused = await baton(['deploy', '--file', file], env());
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /not deploying: 1 check failed, nothing was changed \(--skip-checks deploys anyway\)/);
    assert.match(refused.stderr, new RegExp(`FAIL workers \\(task queue '${queue}'\\): no worker polls it for flows or tasks \\(used by '${name}'\\)`));
    assert.ok(refused.stderr.includes(`fix: start one where your flows are: \`baton worker start --flows <module> --task-queue ${queue}\``), refused.stderr);
    assert.match(refused.stderr, /ok {3}API: answers at /);
    assert.match(refused.stderr, /ok {3}Temporal: reachable from the API/);
    assert.equal(await exists(name), false, 'the refused deployment was not created');
    assert.ok(refused.ms < 15_000, `the checks took ${refused.ms} ms`);

    const extra = await startWorker({ taskQueue: queue });
    workers.push(extra);
    // The worker polls once Temporal lists it: what a person starting one and deploying would see.
    await eventually(async () => {
      const q = await api.call('GET', `/api/task-queues/${queue}`, undefined, { authorization: `Bearer ${READER}` });
      return q.body.flowPollers.length > 0 && q.body.taskPollers.length > 0;
    }, 20_000);
    const deployed = await baton(['deploy', '--file', file, '--json'], env());
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stderr, new RegExp(`ok {3}workers \\(task queue '${queue}'\\): 1 worker polls it`));
    assert.equal(JSON.parse(deployed.stdout)[0].taskQueue, queue);
    assert.equal(await exists(name), true);
  });

  test('--skip-checks and --deploy-only deploy to a task queue no worker polls', { timeout: 30_000 }, async () => {
    for (const flag of ['--skip-checks', '--deploy-only']) {
      const name = uid('deploy-unchecked');
      created.push(name);
      const res = await baton(['deploy', '--name', name, '--flow', 'hello', '--param', 'name=x', '--task-queue', uid('nobody'), flag], env());
      assert.equal(res.code, 0, `${flag}: ${res.stderr}`);
      assert.doesNotMatch(res.stderr, /workers/, `${flag} runs no check`);
      assert.equal(await exists(name), true, flag);
    }
  });

  test('the API does not answer, or the key is read-only: refused with the fix, nothing created', { timeout: 30_000 }, async () => {
    const name = uid('deploy-noapi');
    const port = await closedPort();
    const down = await baton(['deploy', '--name', name, '--flow', 'hello', '--task-queue', w.taskQueue], {
      BATON_API_URL: `http://127.0.0.1:${port}`,
      BATON_API_KEY: ADMIN,
    });
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`FAIL API: no answer at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.match(down.stderr, /fix: `baton server start` .* or set BATON_API_URL/);
    assert.ok(!down.stderr.includes(ADMIN), 'the key is never printed');

    const reader = await baton(['deploy', '--name', name, '--flow', 'hello', '--task-queue', w.taskQueue], { BATON_API_URL: api.base, BATON_API_KEY: READER });
    assert.equal(reader.code, 1);
    assert.match(reader.stderr, /FAIL API key: .*read-only/);
    assert.match(reader.stderr, /fix: set BATON_API_KEY to an admin key/);
    assert.equal(await exists(name), false);
  });

  test("MCP servers: an entry's own list is checked; an entry without one needs every server the API declares", { timeout: 30_000 }, async () => {
    let probe: McpHealthProbe | undefined;
    let mcpApi: TestApi | undefined;
    try {
      probe = mcpHealthProbe(
        { servers: { gone: { url: `http://127.0.0.1:${await closedPort()}/mcp`, headers: {} } } as never, sources: { gone: 'baton.yaml' } },
        pino({ level: 'silent' }),
      );
      mcpApi = await startTestApi(w.client, undefined, { mcp: probe });
      const [needsAll, needsNone, needsOther] = [uid('deploy-mcp-all'), uid('deploy-mcp-none'), uid('deploy-mcp-other')];
      created.push(needsAll, needsNone, needsOther);
      const base = { flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'm' } };
      const refused = await baton(
        [
          'deploy',
          '--file',
          deployFile([
            { name: needsAll, ...base },
            { name: needsOther, ...base, mcpServers: ['github'] },
          ]),
        ],
        {
          BATON_API_URL: mcpApi.base,
        },
      );
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`FAIL MCP server 'gone': does not answer the API over http \\(declared in baton.yaml; used by '${needsAll}'\\)`));
      assert.match(refused.stderr, new RegExp(`FAIL MCP server 'github': not declared where the API runs \\(used by '${needsOther}'\\)`));
      assert.match(refused.stderr, /fix: declare 'github' in BATON_MCP_SERVERS or mcpServers of baton.yaml/);
      for (const name of [needsAll, needsOther]) assert.equal(await exists(name), false);

      const ok = await baton(['deploy', '--file', deployFile([{ name: needsNone, ...base, mcpServers: [] }])], { BATON_API_URL: mcpApi.base });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(await exists(needsNone), true);
    } finally {
      await mcpApi?.close();
      await probe?.close();
    }
  });
});
