/**
 * `npm run test:compose`: the Docker Compose stack for real. Builds Baton's image, brings up
 * docker-compose.dev.yml (Temporal's dev server, the API, 3 workers) with every container on the
 * host network and loopback ports, deploys a flow through the API, runs it 20 times, kills one
 * worker container while its tasks run, and checks that every run completes and that no task
 * that had completed ran again. Also validates the Postgres stack's file. Tears everything down.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, eventually, inspect, must, PORTS, ROOT, run, Stack } from './stack';
import { analyse, readJournal, type JournalRecord } from './journal';
import { BatonClient } from '../../src/client/client';
import { issueAgent, type IssueAgentSummary } from '../../examples/issue-agent';
import { jules } from '../fixtures/github-mcp/jules-model';
import { sha256, type FixtureRepo } from '../fixtures/github-mcp/repository';
import { ModelServer } from '../model-server';

const RUNS = 20;
const STEPS = 5;
// Long enough that a step is still running when the kill lands, even on a loaded machine.
const STEP_MS = 3_000;
const WORKERS = 3;

const secret = randomBytes(24).toString('hex');
const bridgeToken = randomBytes(24).toString('hex');
/** Only this run knows it: the stand-in GitHub server refuses calls without it; found anywhere else, it leaked. */
const githubToken = `ghp_${randomBytes(18).toString('hex')}`;
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-compose-'));
const journalDir = path.join(state, 'journal');
const fixtureDir = path.join(state, 'github-fixture');
let model: ModelServer;
const envFile = path.join(state, 'compose.env');
let stack: Stack;
let files: string[] = [];
let up = false;

async function api<T>(method: string, route: string, body?: unknown, key: string | null = secret): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${PORTS.api}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

function composeVars(extra: Record<string, string> = {}): string {
  return Object.entries({
    BATON_API_KEYS: `compose-test:admin:${secret}`,
    BATON_MCP_BRIDGE_TOKEN: bridgeToken,
    GITHUB_TOKEN: githubToken,
    COMPOSE_TEST_FIXTURE_DIR: fixtureDir,
    COMPOSE_TEST_MODEL_PORT: String(new URL(model.baseURL).port),
    COMPOSE_TEST_MCP_GITHUB_PORT: String(PORTS.mcpGithub),
    COMPOSE_TEST_MCP_MEMORY_PORT: String(PORTS.mcpMemory),
    BATON_FLOWS_DIR: './test/compose/flows',
    COMPOSE_TEST_JOURNAL_DIR: journalDir,
    COMPOSE_TEST_TEMPORAL_PORT: String(PORTS.temporal),
    COMPOSE_TEST_UI_PORT: String(PORTS.ui),
    COMPOSE_TEST_API_PORT: String(PORTS.api),
    ...extra,
  })
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

describe('Docker Compose', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    fs.chmodSync(state, 0o700);
    fs.mkdirSync(journalDir, { mode: 0o777 });
    fs.chmodSync(journalDir, 0o777); // the workers write as the image's `node` user
    // The stand-in GitHub's repository, written by the bridge's server as the image's `node` user.
    fs.mkdirSync(fixtureDir, { mode: 0o777 });
    fs.chmodSync(fixtureDir, 0o777);
    const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'github-mcp', 'fixture-repo.json'), 'utf8')) as FixtureRepo;
    fs.writeFileSync(path.join(fixtureDir, 'repo.json'), JSON.stringify({ ...fixture, tokenSha256: sha256(githubToken) }), { mode: 0o666 });
    fs.chmodSync(path.join(fixtureDir, 'repo.json'), 0o666);
    model = await ModelServer.start();
    model.replyWith(jules);
    fs.writeFileSync(envFile, composeVars(), { mode: 0o600 });

    const prepared = spawnSync('bash', [path.join(__dirname, 'prepare.sh'), state], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(prepared.status, 0, 'test/compose/prepare.sh failed');
    stack = new Stack(envFile, state);
    console.log(`# compose command: ${stack.commandName}`);

    files = stack.render();
    // Whatever an interrupted earlier run left behind.
    stack.run(['down', '--volumes', '--remove-orphans', '--timeout', '5'], files);
    const started = Date.now();
    stack.must(['build'], files);
    console.log(`# image built (or reused) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    up = true;
    stack.must(['up', '-d', '--no-build', '--scale', `baton-worker=${WORKERS}`], files);
    await eventually(
      'the API, 3 workers, the agent worker and both MCP bridges to report healthy',
      () => {
        const workers = stack.containers('baton-worker').map(inspect);
        const others = ['baton-api', 'baton-agent-worker', 'mcp-github', 'mcp-memory'].flatMap((s) => stack.containers(s)).map(inspect);
        return workers.length === WORKERS && others.length === 4 && [...workers, ...others].every((c) => c.health === 'healthy') ? true : undefined;
      },
      180_000,
      1_000,
    );
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
      void model?.close();
    }
  });

  test('the image runs as a non-root user, with production dependencies only and a health check', () => {
    const [config] = JSON.parse(must('docker', ['image', 'inspect', 'baton:local'])) as {
      Config: { User: string; Healthcheck?: { Test: string[] }; Env: string[] };
    }[];
    assert.equal(config!.Config.User, 'node');
    assert.deepEqual(config!.Config.Healthcheck?.Test, ['CMD', 'node', '/app/docker/healthcheck.js']);
    assert.ok(!config!.Config.Env.some((e) => e.startsWith('BATON_API_KEYS=')), 'no API key is baked into the image');
    const listing = must('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'sh', 'baton:local', '-c', 'ls /app/node_modules; ls /app']);
    assert.match(listing, /^@temporalio$/m);
    assert.doesNotMatch(listing, /^typescript$/m, 'dev dependencies are pruned');
    assert.doesNotMatch(listing, /^src$/m, 'only compiled JavaScript is shipped');
    const mcp = must('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'sh',
      'baton:local',
      '-c',
      'for b in mcp-server-github mcp-server-memory; do command -v $b; done',
    ]);
    assert.deepEqual(mcp.trim().split('\n'), ['/opt/baton-mcp/node_modules/.bin/mcp-server-github', '/opt/baton-mcp/node_modules/.bin/mcp-server-memory']);
  });

  test('the API asks for its key and reports Temporal reachable', async () => {
    const health = await api<{ status: string }>('GET', '/api/health', undefined, null);
    assert.deepEqual([health.status, health.body.status], [200, 'ok']);
    const denied = await api<{ error: { code: string } }>('GET', '/api/flows', undefined, 'not-the-key-0123456789');
    assert.equal(denied.status, 401);
  });

  test(`${RUNS} runs of a deployment complete while a worker container is killed, and no completed task runs again`, async () => {
    const flows = await api<{ flows: { name: string }[] }>('GET', '/api/flows');
    assert.ok(
      flows.body.flows.some((f) => f.name === 'compose-journal'),
      'the API loaded the mounted flows',
    );
    const deployment = await api('POST', '/api/deployments', {
      name: 'compose-journal',
      flow: 'compose-journal',
      parameters: { steps: STEPS, ms: STEP_MS },
    });
    assert.equal(deployment.status, 201, JSON.stringify(deployment.body));

    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = await api<{ id: string }>('POST', '/api/deployments/compose-journal/runs', {});
      assert.equal(started.status, 201, JSON.stringify(started.body));
      ids.push(started.body.id);
    }

    // Once a quarter of all steps are done, kill the worker container holding the most running steps.
    // Runs move in waves, so only steps started in the last half step count: a step about to end
    // could finish before the kill lands, and the kill would then interrupt nothing.
    const { victim, killedAt } = await eventually(
      'a quarter of the steps to finish, and a wave of steps under way',
      () => {
        const records = readJournal(journalDir);
        if (records.filter((r) => r.event === 'done').length < (RUNS * STEPS) / 4) return undefined;
        const running = new Map<string, number>();
        const recent = Date.now() - STEP_MS / 2;
        for (const r of inFlight(records).filter((r) => r.at >= recent)) running.set(r.container, (running.get(r.container) ?? 0) + 1);
        const [container] = [...running.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
        if (!container) return undefined;
        must('docker', ['kill', container]);
        return { victim: container, killedAt: Date.now() };
      },
      120_000,
      100,
    );

    const finished = await eventually(
      `all ${RUNS} runs to finish`,
      async () => {
        const runs = await Promise.all(ids.map((id) => api<{ state: string; result: unknown }>('GET', `/api/flow-runs/${encodeURIComponent(id)}`)));
        return runs.every((r) => !['Running', 'Pending', 'Scheduled', 'Retrying'].includes(r.body.state)) ? runs : undefined;
      },
      240_000,
      1_000,
    );
    assert.deepEqual(
      finished.map((r) => r.body.state),
      ids.map(() => 'Completed'),
    );
    for (const r of finished) assert.deepEqual(r.body.result, [1, 2, 3, 4, 5]);

    const report = analyse(readJournal(journalDir), { victim, killedAt });
    const after = inspect(victim);
    console.log(`# ${JSON.stringify({ ...report.summary, killedContainer: { running: after.running, restarts: after.restarts } })}`);
    assert.deepEqual(report.doneTwice, [], 'a completed step completed again');
    assert.deepEqual(report.startedAfterDone, [], 'a completed step started again');
    assert.equal(report.keys, RUNS * STEPS, 'every step of every run has exactly one completion');
    assert.ok(report.interrupted.length > 0, 'the kill interrupted running steps');
    assert.deepEqual(report.interruptedElsewhere, [], 'every step running in the killed worker ran again in another');
    assert.deepEqual(report.victimWritesAfterKill, [], 'the killed worker process wrote nothing after the kill');
    assert.ok(report.summary.containers >= WORKERS, 'all three worker containers ran steps');

    // Each run's log, written by the worker containers and read through the API container (they
    // share BATON_HOME's volume): each step's line at most once, and every step that completed in a
    // container still running has its line (the killed one may lose its last moment's lines).
    const containers = new Set<string>();
    const journal = readJournal(journalDir);
    for (const id of ids) {
      const logs = await api<{ lines: { message: string; fields?: { container?: string } }[] }>(
        'GET',
        `/api/flow-runs/${encodeURIComponent(id)}/logs?task=journal-step&limit=1000`,
      );
      assert.equal(logs.status, 200, JSON.stringify(logs.body));
      const messages = logs.body.lines.map((l) => l.message);
      assert.equal(new Set(messages).size, messages.length, `${id}: a step logged twice: ${messages.join(', ')}`);
      const expected = journal.filter((r) => r.flowRunId === id && r.event === 'done' && r.container !== victim).map((r) => `step ${r.step} done`);
      for (const m of expected) assert.ok(messages.includes(m), `${id}: '${m}' is in its log (${messages.join(', ')})`);
      for (const l of logs.body.lines) containers.add(l.fields?.container ?? '');
    }
    assert.ok(containers.size >= WORKERS, `lines from every worker container (${containers.size})`);
  });

  test('the issue agent runs through the bridged MCP servers: the issue read, the comment written once approved; the token stays in mcp-github', async () => {
    const client = await BatonClient.connect({
      target: { namespace: 'default', connectionOptions: { address: `127.0.0.1:${PORTS.temporal}` } },
      taskQueue: 'issue-agent',
      flows: [issueAgent],
    });
    try {
      const run = await client.flowRuns.start(issueAgent, { url: 'https://github.com/acme/widgets/issues/42' });
      const pending = await eventually(
        'the comment to wait for approval',
        async () => (await client.approvals.list({ flow: 'issue-agent' })).approvals.find((a) => a.flowRunId === run.id),
        120_000,
        1_000,
      );
      assert.match(pending.description ?? '', /jules wants to call add_issue_comment with \{"owner":"acme","repo":"widgets","issue_number":42,/);
      const writes = () => (fs.existsSync(path.join(fixtureDir, 'writes.jsonl')) ? fs.readFileSync(path.join(fixtureDir, 'writes.jsonl'), 'utf8') : '');
      assert.equal(writes(), '', 'nothing written before the approval');
      await client.approvals.decide(run.id, pending.key, { decision: 'approve' }, 'compose-test');
      const summary = (await run.result()) as IssueAgentSummary;
      assert.equal(summary.answer, 'Posted the plan on #42.');
      assert.deepEqual(
        summary.actions.map((a) => [a.tool, a.outcome]),
        [
          ['get_file_contents', 'done'],
          ['add_issue_comment', 'done'],
        ],
      );
      assert.match(writes(), /"tool":"add_issue_comment"/);
      const history = JSON.stringify((await client.temporal.workflow.getHandle(run.id).fetchHistory()).events, (key, value: unknown) =>
        key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
      );
      assert.ok(history.includes('add_issue_comment') && !history.includes(githubToken), 'the token is in the history');
      const agentEnv = must('docker', ['inspect', '--format', '{{json .Config.Env}}', stack.containers('baton-agent-worker')[0]!]);
      assert.ok(!agentEnv.includes(githubToken), 'the worker was given the GitHub token');
    } finally {
      await client.close();
    }
    // The memory bridge answers too, and only with the token.
    const memory = `http://127.0.0.1:${PORTS.mcpMemory}/mcp`;
    const list = (authorization?: string) =>
      fetch(memory, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    assert.equal((await list()).status, 401);
    const listed = await list(`Bearer ${bridgeToken}`);
    assert.equal(listed.status, 200);
    assert.match(await listed.text(), /create_entities/);
  });

  test("the Postgres stack's file is valid, and names a missing secret", () => {
    const vars = path.join(state, 'postgres.env');
    const keys = `BATON_API_KEYS=compose-test:admin:${secret}\nBATON_MCP_BRIDGE_TOKEN=${bridgeToken}\n`;
    fs.writeFileSync(vars, `POSTGRES_PASSWORD=${randomBytes(12).toString('hex')}\n${keys}`, { mode: 0o600 });
    const full = new Stack(vars, state);
    // With the optional profile on, so every compose lists the same services.
    const services = full.must(['--profile', 'metrics', 'config', '--services'], ['docker-compose.yml']).split('\n').filter(Boolean).sort();
    assert.deepEqual(services, [
      'baton-api',
      'baton-worker',
      'grafana',
      'mcp-github',
      'mcp-memory',
      'postgresql',
      'prometheus',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
    ]);
    fs.writeFileSync(vars, keys, { mode: 0o600 });
    const missing = full.run(['config', '--quiet'], ['docker-compose.yml']);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /set POSTGRES_PASSWORD in \.env \(see \.env\.example\)/);
  });

  test("the default flows (TypeScript, mounted) run in the image with plain `docker run`, driven by the README's CLI commands", async () => {
    // A second API and worker on their own port and task queue, next to the stack.
    const port = PORTS.api + 1;
    const common = ['run', '-d', '--rm', '--network', 'host', '--init', '-v', `${path.join(ROOT, 'docker', 'flows')}:/flows:ro`];
    const env = ['-e', `TEMPORAL_ADDRESS=127.0.0.1:${PORTS.temporal}`, '-e', 'BATON_TASK_QUEUE=compose-default-flows'];
    const ids: string[] = [];
    try {
      ids.push(
        must('docker', [
          ...common,
          ...env,
          '-e',
          'BATON_API_HOST=127.0.0.1',
          '-e',
          `BATON_API_PORT=${port}`,
          '-e',
          `BATON_API_KEYS=compose-test:admin:${secret}`,
          'baton:local',
          'api',
          'start',
        ]).trim(),
      );
      ids.push(must('docker', [...common, ...env, 'baton:local', 'worker', 'start']).trim());
      await eventually('the second API and worker to report healthy', () => (ids.map(inspect).every((c) => c.health === 'healthy') ? true : undefined), 180_000, 1_000);
      const cli = (...args: string[]) =>
        run(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], {
          env: cleanEnv({ BATON_API_URL: `http://127.0.0.1:${port}`, BATON_API_KEY: secret }),
        });
      const deployed = cli('deploy', '--name', 'ship', '--flow', 'ship-orders', '--param', 'count=40');
      assert.equal(deployed.status, 0, deployed.stderr);
      const watched = cli('deployment', 'run', 'ship', '--watch', '--json');
      assert.equal(watched.status, 0, watched.stderr + watched.stdout);
      assert.match(watched.stdout, /"shipped":\s*40/);
    } finally {
      for (const id of ids) run('docker', ['rm', '-f', id]);
    }
  });

  test('the default flows in docker/flows type-check against Baton', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    must(process.execPath, [tsc, '-p', path.join(ROOT, 'docker', 'flows', 'tsconfig.json')]);
  });
});

/** Attempts that started and have not (yet) recorded `done`. */
function inFlight(records: JournalRecord[]): JournalRecord[] {
  const done = new Set(records.filter((r) => r.event === 'done').map((r) => `${r.worker} ${r.flowRunId} ${r.step} ${r.attempt}`));
  return records.filter((r) => r.event === 'start' && !done.has(`${r.worker} ${r.flowRunId} ${r.step} ${r.attempt}`));
}
