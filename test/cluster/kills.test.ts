/**
 * Baton on a Temporal cluster on PostgreSQL, with its processes killed mid-run: two workers and
 * two API processes (one address, through a round-robin TCP proxy) on a cluster of this file's own
 * (local-cluster.ts). While runs are in flight and a deployment fires every 2 s, the Temporal
 * server is killed with SIGKILL and started again on the same database, then one worker and one
 * API process are killed with SIGKILL. Every run must complete with its result, each task once in
 * its history, none lost and none doubled; the schedule must fire again after the restart.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { tsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { scheduleIdOf } from '../../src/client/deployment-schedule';
import { freePort } from '../../src/server/temporal-server';
import { FIXTURES, readLines, ROOT, uid } from '../helpers';
import { startLocalCluster, type LocalCluster } from './local-cluster';

const E = temporal.api.enums.v1.EventType;
/** Runs started before the kills, and after them. */
const BEFORE = 8;
const AFTER = 6;
const STEPS = 5;
const STEP_MS = 1_500;
/** Runs that wait on a durable timer (`sleep`) set before the kill and due after the restart. */
const SLEEPERS = 4;
const SLEEP_SECONDS = 8;
const INTERVAL_SECONDS = 2;

const phases: [string, number][] = [];
let mark = Date.now();
function phase(name: string): void {
  const now = Date.now();
  phases.push([name, now - mark]);
  console.log(`# ${name}: ${((now - mark) / 1000).toFixed(1)} s`);
  mark = now;
}

/** Waits for `check` to return a value, polling every 250 ms; fails after `timeoutMs` naming `what`. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `promise`, or an error naming `what` after `timeoutMs`. */
async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One address in front of several: each connection goes to the next backend that accepts it. */
function roundRobinProxy(backends: number[]): Promise<{ port: number; close(): void }> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    sockets.add(downstream);
    downstream.on('close', () => sockets.delete(downstream));
    downstream.pause();
    const attempt = (left: number) => {
      const port = backends[next++ % backends.length]!;
      const upstream = net.connect({ port, host: '127.0.0.1' });
      // Refused (a killed backend): the next one.
      upstream.once('error', () => {
        upstream.destroy();
        if (left > 1) attempt(left - 1);
        else downstream.destroy();
      });
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.removeAllListeners('error');
        upstream.on('error', () => downstream.destroy());
        downstream.on('error', () => upstream.destroy());
        downstream.pipe(upstream).pipe(downstream);
        downstream.on('close', () => upstream.destroy());
        upstream.on('close', () => downstream.destroy());
        downstream.resume();
      });
    };
    attempt(backends.length);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close() {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    );
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

describe('a Temporal cluster on PostgreSQL: the server, a worker and an API process killed mid-run', () => {
  let cluster: LocalCluster;
  let home: string;
  let connection: Connection;
  let temporalClient: Client;
  let proxy: { port: number; close(): void };
  const children: ChildProcess[] = [];
  const taskQueue = uid('cluster-kill');
  // Behind a proxy the API sees a Host that is not its own: that takes API keys, as in production.
  const key = randomBytes(18).toString('hex');

  function baton(args: string[], name: string): ChildProcess {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: cluster.address,
        TEMPORAL_NAMESPACE: cluster.namespace,
        BATON_HOME: home,
        BATON_LOG_LEVEL: 'error',
        BATON_API_KEYS: `kill-test:admin:${key}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (c) => process.stderr.write(`[${name}] ${String(c)}`));
    children.push(child);
    return child;
  }

  /** A request through the proxy; network failures (a killed API) and 503s are retried until `timeoutMs`. */
  async function api(method: string, pathname: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; body: Record<string, unknown> }> {
    return until(`${method} ${pathname}`, timeoutMs, async () => {
      const res = await fetch(`http://127.0.0.1:${proxy.port}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      if (res.status === 503) throw new Error(`503 ${JSON.stringify(json)}`);
      return { status: res.status, body: json };
    });
  }

  before(async () => {
    mark = Date.now();
    cluster = await startLocalCluster({ log: (l) => console.log(`# ${l}`) });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cluster-kill-'));
    connection = await Connection.connect({ address: cluster.address });
    temporalClient = new Client({ connection, namespace: cluster.namespace });
    const apiPorts = [await freePort(), await freePort()];
    for (const [i, port] of apiPorts.entries()) baton(['api', 'start', '--flows', FIXTURES, '--task-queue', taskQueue, '--port', String(port)], `api-${i + 1}`);
    for (const i of [1, 2]) baton(['worker', 'start', '--flows', FIXTURES, '--task-queue', taskQueue], `worker-${i}`);
    proxy = await roundRobinProxy(apiPorts);
    await until('two workers polling the task queue', 60_000, async () => {
      for (const c of children) if (c.exitCode !== null) throw new Error(`a baton process exited with ${c.exitCode}`);
      const queue = await connection.workflowService.describeTaskQueue({ namespace: cluster.namespace, taskQueue: { name: taskQueue } });
      return new Set((queue.pollers ?? []).map((p) => p.identity)).size >= 2 || undefined;
    });
    for (const port of apiPorts) {
      await until(`the API on port ${port}`, 60_000, async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200 ? true : undefined));
    }
    phase('cluster, 2 workers and 2 API processes ready');
  });

  after(async () => {
    proxy?.close();
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await connection?.close();
    await cluster?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
    console.log(`# phases: ${phases.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`).join('; ')}`);
  });

  test('every run completes once with its result, and the schedule fires after the restart', { timeout: 300_000 }, async () => {
    const tag = uid('kill');
    const probeDir = path.join(home, 'probes');
    const deployment = uid('every-2s');
    const created = await api('POST', '/api/deployments', {
      name: deployment,
      flow: 'hello',
      parameters: { name: 'cluster' },
      schedules: [{ intervalSeconds: INTERVAL_SECONDS }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const schedule = temporalClient.schedule.getHandle(scheduleIdOf(deployment));

    const expected = Array.from({ length: STEPS }, (_, i) => i + 1);
    const started = new Map<string, string>();
    const startRuns = async (from: number, count: number) => {
      await Promise.all(
        Array.from({ length: count }, async (_, k) => {
          const key = `${tag}-${from + k}`;
          const res = await api('POST', '/api/flows/steps/runs', {
            parameters: { probe: { dir: path.join(probeDir, key), key: 'steps' }, count: STEPS, ms: STEP_MS },
            tags: [tag],
            // A request retried after a killed API must not start a second run.
            idempotencyKey: key,
          });
          assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
          started.set(key, res.body.id as string);
        }),
      );
    };
    const sleepers: string[] = [];
    await Promise.all([
      startRuns(0, BEFORE),
      ...Array.from({ length: SLEEPERS }, async (_, k) => {
        const res = await api('POST', '/api/flows/sleeper-flow/runs', { parameters: { seconds: SLEEP_SECONDS }, tags: [tag], idempotencyKey: `${tag}-sleeper-${k}` });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        sleepers.push(res.body.id as string);
      }),
    ]);
    assert.equal(new Set([...started.values(), ...sleepers]).size, BEFORE + SLEEPERS);
    phase(`${BEFORE} runs of ${STEPS} tasks and ${SLEEPERS} sleeping ${SLEEP_SECONDS} s started through the proxy`);

    // Mid-run: every run has finished a step or two, none all of them; the schedule has fired.
    const stepsDone = (key: string) => expected.filter((i) => readLines(path.join(probeDir, key), `step-${i}`).some((l) => l.event === 'done')).length;
    await until('every run a step in and the schedule firing', 60_000, async () => {
      const info = (await schedule.describe()).info;
      return [...started.keys()].every((key) => stepsDone(key) >= 1) && info.numActionsTaken >= 1 ? true : undefined;
    });
    const doneAtKill = [...started.keys()].map(stepsDone);
    assert.ok(
      doneAtKill.every((n) => n < STEPS),
      `every run still had steps to go at the kill: ${doneAtKill.join(', ')}`,
    );
    const actionsBeforeKill = (await schedule.describe()).info.numActionsTaken;
    const killedAt = new Date();
    await cluster.kill();
    phase('every run a step in, the schedule fired: Temporal server killed (SIGKILL)');
    // Down long enough for heartbeats, polls and API requests to fail.
    await new Promise((r) => setTimeout(r, 3_000));
    const restartBegan = new Date();
    const restartMs = await cluster.start();
    const restartedAt = new Date();
    phase(`down 3 s, restarted on the same database (ready in ${(restartMs / 1000).toFixed(1)} s)`);

    const [worker1, api1] = [children[2]!, children[0]!];
    worker1.kill('SIGKILL');
    api1.kill('SIGKILL');
    await Promise.all([exited(worker1), exited(api1)]);
    phase('worker 1 and API 1 killed (SIGKILL)');

    await startRuns(BEFORE, AFTER);
    phase(`${AFTER} more runs started through the proxy (one API left)`);

    const ids = [...started.values()];
    const results = await withDeadline(Promise.all(ids.map((id) => temporalClient.workflow.getHandle(id).result())), 180_000, 'every run to complete');
    for (const result of results) assert.deepEqual(result, expected);
    // Both workers ran steps, the killed one included.
    const ranOn = new Set(
      [...started.keys()].flatMap((key) =>
        expected.flatMap((i) =>
          readLines(path.join(probeDir, key), `step-${i}`)
            .filter((l) => l.event === 'done')
            .map((l) => l.pid),
        ),
      ),
    );
    assert.ok(ranOn.has(worker1.pid) && ranOn.has(children[3]!.pid), `steps ran on ${[...ranOn].join(', ')}`);
    // The timers set before the kill fired once, after the restart.
    for (const id of sleepers) {
      const handle = temporalClient.workflow.getHandle(id);
      assert.equal(await withDeadline(handle.result(), 60_000, `${id} to wake`), 'awake');
      const events = (await handle.fetchHistory()).events ?? [];
      const timers = events.filter((e) => e.eventType === E.EVENT_TYPE_TIMER_STARTED || e.eventType === E.EVENT_TYPE_TIMER_FIRED);
      assert.deepEqual(
        timers.map((e) => e.eventType),
        [E.EVENT_TYPE_TIMER_STARTED, E.EVENT_TYPE_TIMER_FIRED],
        id,
      );
      assert.ok(tsToDate(timers[0]!.eventTime!) < killedAt && tsToDate(timers[1]!.eventTime!) >= restartBegan, `${id}: set before the kill, fired after the restart`);
    }
    phase(`all ${ids.length} runs of tasks and ${SLEEPERS} sleeping runs completed`);

    // Each step scheduled once and completed once in each run's history: nothing ran twice as far
    // as Temporal is concerned (a step cut off by a kill is retried inside its one activity).
    for (const id of ids) {
      const events = (await temporalClient.workflow.getHandle(id).fetchHistory()).events ?? [];
      const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
      assert.deepEqual([count(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), count(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)], [STEPS, STEPS], id);
      const state = await api('GET', `/api/flow-runs/${encodeURIComponent(id)}`);
      assert.equal(state.body.state, 'Completed', `${id}: ${JSON.stringify(state.body)}`);
    }
    // Visibility lists exactly the runs started: none lost, none doubled by a retried request.
    const listed = await until('visibility to list every run as Completed', 30_000, async () => {
      const rows: { id: string; status: string }[] = [];
      for await (const w of temporalClient.workflow.list({ query: `BatonTags = "${tag}"` })) rows.push({ id: w.workflowId, status: w.status.name });
      return rows.length === ids.length + SLEEPERS && rows.every((r) => r.status === 'COMPLETED') ? rows : undefined;
    });
    assert.deepEqual(listed.map((r) => r.id).sort(), [...ids, ...sleepers].sort());

    // The schedule kept firing after the restart, and its runs completed on the surviving worker.
    const after = await until(`the schedule to fire twice after the restart`, 30_000, async () => {
      const info = (await schedule.describe()).info;
      const since = info.recentActions.filter((a) => a.takenAt > restartedAt);
      return since.length >= 2 ? { info, since } : undefined;
    });
    assert.ok(after.info.numActionsTaken >= actionsBeforeKill + 2, `${after.info.numActionsTaken} actions, ${actionsBeforeKill} before the kill`);
    for (const action of after.since) {
      const handle = temporalClient.workflow.getHandle(action.action.workflow.workflowId);
      assert.equal(await handle.result(), 'hello cluster.', action.action.workflow.workflowId);
    }
    phase(
      `schedule: ${actionsBeforeKill} actions before the kill (at ${killedAt.toISOString()}), ${after.info.numActionsTaken} now, ${after.since.length} since the restart`,
    );

    // The worker and the API process that were not killed rode out the server's restart.
    assert.deepEqual(
      [children[1]!, children[3]!].map((c) => c.exitCode ?? c.signalCode),
      [null, null],
      'the surviving API process and worker are still running',
    );
    const deleted = await api('DELETE', `/api/deployments/${encodeURIComponent(deployment)}`);
    assert.ok(deleted.status === 200 || deleted.status === 204, JSON.stringify(deleted.body));
  });
});
