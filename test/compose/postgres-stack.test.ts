/**
 * The Postgres compose stack (docker-compose.yml) for real: PostgreSQL, the one-shot schema and
 * namespace jobs, the Temporal server with Baton's docker/temporal/cluster.yaml, the API, 2
 * workers and both MCP bridges (the Web UI has no stand-in image here), every container on the
 * host network with loopback ports (test/compose/docker-compose.postgres.test.yml). Runs a
 * deployment 10 times, kills the Temporal server's container and starts it again on the same
 * database, then kills the worker container running the most steps: every run completes, no
 * completed step runs again. Tears everything down, volumes included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, inspect, must, ROOT, Stack } from './stack';
import { analyse, readJournal } from './journal';
import { sha256, type FixtureRepo } from '../fixtures/github-mcp/repository';

const PORTS = { postgres: 15432, temporal: 17333, api: 14300, mcpGithub: 18821, mcpMemory: 18822 };
const RUNS = 10;
const STEPS = 5;
const STEP_MS = 2_000;
const WORKERS = 2;

const secret = randomBytes(24).toString('hex');
const password = randomBytes(12).toString('hex');
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-compose-postgres-'));
const journalDir = path.join(state, 'journal');
const fixtureDir = path.join(state, 'github-fixture');
const envFile = path.join(state, 'compose.env');
let stack: Stack;
let files: string[] = [];
let up = false;

async function api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${PORTS.api}${route}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as T };
}

function container(service: string): string {
  const [id] = stack.containers(service);
  assert.ok(id, `no ${service} container`);
  return id;
}

/** One SQL answer from the stack's PostgreSQL, through psql inside its container. */
function sql(database: string, query: string): string {
  return must('docker', [
    'exec',
    '-e',
    `PGPASSWORD=${password}`,
    container('postgresql'),
    'psql',
    '-h',
    '127.0.0.1',
    '-p',
    String(PORTS.postgres),
    '-U',
    'temporal',
    '-d',
    database,
    '-tAc',
    query,
  ]).trim();
}

describe('Docker Compose: the Postgres stack', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    fs.chmodSync(state, 0o700);
    fs.mkdirSync(journalDir, { mode: 0o777 });
    fs.chmodSync(journalDir, 0o777); // the workers write as the image's `node` user
    fs.mkdirSync(fixtureDir, { mode: 0o777 });
    fs.chmodSync(fixtureDir, 0o777);
    const githubToken = `ghp_${randomBytes(18).toString('hex')}`;
    const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'github-mcp', 'fixture-repo.json'), 'utf8')) as FixtureRepo;
    fs.writeFileSync(path.join(fixtureDir, 'repo.json'), JSON.stringify({ ...fixture, tokenSha256: sha256(githubToken) }), { mode: 0o666 });
    fs.chmodSync(path.join(fixtureDir, 'repo.json'), 0o666);
    const vars = {
      POSTGRES_PASSWORD: password,
      // Debian bookworm's PostgreSQL: the stand-in docker/offline/postgres-image.sh builds.
      POSTGRES_VERSION: '15',
      BATON_API_KEYS: `compose-test:admin:${secret}`,
      BATON_MCP_BRIDGE_TOKEN: randomBytes(24).toString('hex'),
      GITHUB_TOKEN: githubToken,
      BATON_FLOWS_DIR: './test/compose/flows',
      COMPOSE_TEST_JOURNAL_DIR: journalDir,
      COMPOSE_TEST_FIXTURE_DIR: fixtureDir,
      COMPOSE_PG_PORT: String(PORTS.postgres),
      COMPOSE_PG_TEMPORAL_PORT: String(PORTS.temporal),
      COMPOSE_PG_API_PORT: String(PORTS.api),
      COMPOSE_PG_MCP_GITHUB_PORT: String(PORTS.mcpGithub),
      COMPOSE_PG_MCP_MEMORY_PORT: String(PORTS.mcpMemory),
    };
    fs.writeFileSync(
      envFile,
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );

    const prepared = spawnSync('bash', [path.join(__dirname, 'prepare.sh'), state], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(prepared.status, 0, 'test/compose/prepare.sh failed');
    stack = new Stack(envFile, state, ['docker-compose.yml', 'test/compose/docker-compose.postgres.test.yml'], 'baton-compose-postgres-test');
    files = stack.render();
    stack.run(['down', '--volumes', '--remove-orphans', '--timeout', '5'], files);
    let started = Date.now();
    stack.must(['build'], files);
    console.log(`# image built (or reused) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    up = true;
    started = Date.now();
    stack.must(['up', '-d', '--no-build', '--scale', `baton-worker=${WORKERS}`], files);
    await eventually(
      'PostgreSQL, Temporal, the API, 2 workers and both MCP bridges to report healthy',
      () => {
        const all = ['postgresql', 'temporal', 'baton-api', 'baton-worker', 'mcp-github', 'mcp-memory'].flatMap((s) => stack.containers(s)).map(inspect);
        return all.length === 5 + WORKERS && all.every((c) => c.health === 'healthy') ? true : undefined;
      },
      240_000,
      1_000,
    );
    console.log(`# stack up and healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(() => {
    try {
      if (up) {
        if (process.exitCode) console.log(stack.logs(files));
        stack.run(['down', '--volumes', '--remove-orphans', '--timeout', '10'], files);
      }
    } finally {
      const pidFile = path.join(state, 'dockerd.pid');
      if (fs.existsSync(pidFile)) {
        // This test started dockerd: stop it again (its images stay on disk for the next run).
        const pid = Number(fs.readFileSync(pidFile, 'utf8'));
        spawnSync('kill', [String(pid)]);
        spawnSync('bash', ['-c', `for i in $(seq 1 40); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.5; done`]);
      }
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  test('the one-shot jobs set up both databases at the server version and the namespace, and exited 0', () => {
    for (const job of ['temporal-schema', 'temporal-namespace']) {
      const state = JSON.parse(must('docker', ['inspect', '--format', '{{json .State}}', container(job)])) as { Running: boolean; ExitCode: number };
      assert.deepEqual([job, state.Running, state.ExitCode], [job, false, 0]);
    }
    assert.equal(sql('temporal', 'select curr_version from schema_version'), '1.18');
    assert.equal(sql('temporal_visibility', 'select curr_version from schema_version'), '1.9');
    assert.equal(sql('temporal', "select count(*) from namespaces where name = 'default'"), '1');
  });

  test(`${RUNS} runs of a deployment complete while the Temporal server's container and then a worker's are killed`, async () => {
    const deployment = await api('POST', '/api/deployments', { name: 'compose-journal', flow: 'compose-journal', parameters: { steps: STEPS, ms: STEP_MS } });
    assert.equal(deployment.status, 201, JSON.stringify(deployment.body));
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = await api<{ id: string }>('POST', '/api/deployments/compose-journal/runs', {});
      assert.equal(started.status, 201, JSON.stringify(started.body));
      ids.push(started.body.id);
    }
    await eventually(
      'a fifth of the steps to finish',
      () => (readJournal(journalDir).filter((r) => r.event === 'done').length >= (RUNS * STEPS) / 5 ? true : undefined),
      120_000,
      200,
    );

    const temporal = container('temporal');
    let mark = Date.now();
    must('docker', ['kill', temporal]);
    must('docker', ['start', temporal]);
    await eventually('the Temporal server to report healthy again', () => (inspect(temporal).health === 'healthy' ? true : undefined), 120_000, 500);
    console.log(`# Temporal server container killed and back healthy in ${((Date.now() - mark) / 1000).toFixed(1)} s`);

    // The worker container with the most steps under way.
    const { victim, killedAt } = await eventually(
      'a step under way in a worker container',
      () => {
        const records = readJournal(journalDir);
        const done = new Set(records.filter((r) => r.event === 'done').map((r) => `${r.worker} ${r.flowRunId} ${r.step} ${r.attempt}`));
        const running = new Map<string, number>();
        for (const r of records.filter(
          (r) => r.event === 'start' && !done.has(`${r.worker} ${r.flowRunId} ${r.step} ${r.attempt}`) && r.at >= Date.now() - STEP_MS / 2,
        )) {
          running.set(r.container, (running.get(r.container) ?? 0) + 1);
        }
        const [victim] = [...running.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
        if (!victim) return undefined;
        must('docker', ['kill', victim]);
        return { victim, killedAt: Date.now() };
      },
      120_000,
      100,
    );
    mark = Date.now();
    const finished = await eventually(
      `all ${RUNS} runs to finish`,
      async () => {
        const runs = await Promise.all(ids.map((id) => api<{ state: string; result: unknown }>('GET', `/api/flow-runs/${encodeURIComponent(id)}`)));
        return runs.every((r) => !['Running', 'Pending', 'Scheduled', 'Retrying'].includes(r.body.state)) ? runs : undefined;
      },
      240_000,
      1_000,
    );
    console.log(`# all runs finished ${((Date.now() - mark) / 1000).toFixed(1)} s after the worker's kill`);
    assert.deepEqual(
      finished.map((r) => r.body.state),
      ids.map(() => 'Completed'),
    );
    for (const r of finished) assert.deepEqual(r.body.result, [1, 2, 3, 4, 5]);
    const report = analyse(readJournal(journalDir), { victim, killedAt });
    console.log(`# ${JSON.stringify(report.summary)}`);
    assert.deepEqual(report.doneTwice, [], 'a completed step completed again');
    assert.deepEqual(report.startedAfterDone, [], 'a completed step started again');
    assert.equal(report.keys, RUNS * STEPS, 'every step of every run has exactly one completion');
    assert.deepEqual(report.interruptedElsewhere, [], 'every step running in the killed worker ran again in another');
    assert.deepEqual(report.victimWritesAfterKill, [], 'the killed worker process wrote nothing after the kill');
    // The runs are in PostgreSQL's visibility tables, not only in the server's memory.
    assert.equal(
      sql('temporal_visibility', `select count(*) from executions_visibility where status = 2 and workflow_id = any(array['${ids.join("','")}'])`),
      String(RUNS),
    );
  });
});
