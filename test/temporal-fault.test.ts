/**
 * The Temporal server dies mid-run: SIGKILL to the process that holds its SQLite file, while
 * tasks run and a deployment's schedule fires, then a new server on the same file and port.
 *
 * This test starts a dev server of its own (killing the one `npm test` shares would break the
 * other tests) and a worker in a child process. Its tasks append to a journal outside Temporal,
 * so what ran how often is known whatever Temporal remembers.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import type { FlowRunHandle } from '../src/client/flow-run-handle';
import { dataConverter, loadConfig } from '../src/config';
import { freePort, startDevServer, type TemporalTarget } from '../src/server/temporal-server';
import { recordedTasks, readJournal, taskKey, tasksOf } from './fault-journal';
import { pidsHolding, processAlive } from './file-holders';
import { journaledSteps } from './fixtures/temporal-fault/flows';
import { eventually, ROOT, uid } from './helpers';

const FLOWS = path.join(__dirname, 'fixtures', 'temporal-fault');
/** Runs started by hand, their steps, and how long each step works. */
const RUNS = 5;
const STEPS = 8;
const STEP_MS = 1_500;
/** The deployment's runs: short, so each ends before the schedule fires again. */
const SCHEDULE_SECONDS = 3;
const SCHEDULED_STEPS = 2;
const SCHEDULED_STEP_MS = 500;
/** How long the server stays dead. */
const DOWN_MS = 2_000;
/**
 * The kill waits for the journal to have been still this long, and for the server to have
 * recorded every step the journal says is done: "done before the kill" then means done for
 * Temporal too, not a completion still on its way when the server died.
 */
const QUIET_MS = 300;

/** `promise`, or an error naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

function tail(file: string, lines = 30): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(none)';
}

/** `baton worker start` against this test's server, its log in `logFile`. */
function spawnWorker(target: TemporalTarget, home: string, taskQueue: string, logFile: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_')) delete env[key];
  Object.assign(env, {
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    BATON_HOME: home,
    BATON_LOG_LEVEL: 'warn',
    BATON_SHUTDOWN_GRACE_SECONDS: '5',
  });
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', FLOWS, '--task-queue', taskQueue], {
    cwd: ROOT,
    env,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  return child;
}

describe('Temporal server killed with SIGKILL mid-run', () => {
  test(
    'restarted on the same SQLite file and port: every run completes, the schedule fires again, and only tasks in flight at the kill run twice',
    { timeout: 240_000 },
    async () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-fault-'));
      const config = loadConfig({ ...process.env, BATON_HOME: home });
      const dbFile = path.join(home, 'temporal.db');
      const journal = path.join(home, 'journal.jsonl');
      const workerLog = path.join(home, 'worker.log');
      const [port, uiPort] = [await freePort(), await freePort()];
      const taskQueue = uid('fault');
      const deployment = uid('fault-schedule');
      const serverOptions = { config, dbFile, port, uiPort, readyTimeoutMs: 60_000 };

      let server: TemporalTarget | undefined;
      let worker: ChildProcess | undefined;
      let client: BatonClient | undefined;
      try {
        server = await startDevServer(serverOptions);
        const firstServer = server.devServer;
        assert.ok(firstServer, `a new dev server was started on port ${port}, not one found there`);
        worker = spawnWorker(server, home, taskQueue, workerLog);
        const workerPid = worker.pid!;
        client = await BatonClient.connect({ target: server, dataConverter: dataConverter(config), taskQueue, flows: [journaledSteps] });

        const handles: FlowRunHandle<number[]>[] = [];
        for (let i = 0; i < RUNS; i++)
          handles.push(await client.flowRuns.start(journaledSteps, { journal, steps: STEPS, ms: STEP_MS }, { flowRunId: uid('fault-run') }));
        const manual = new Set(handles.map((h) => h.id));
        await client.deployments.apply({
          name: deployment,
          flow: journaledSteps.flowName,
          taskQueue,
          parameters: { journal, steps: SCHEDULED_STEPS, ms: SCHEDULED_STEP_MS },
          schedules: [{ intervalSeconds: SCHEDULE_SECONDS }],
        });

        // The process holding the db is the server, whatever launched it: that is the one to kill.
        const holders = pidsHolding(dbFile) ?? [firstServer.process.pid!];
        assert.ok(holders.length > 0, `a process holds ${dbFile}`);

        // The kill point: some steps done (and recorded by the server), others running, the schedule
        // has fired, and the journal has been still for QUIET_MS.
        const doneBeforeKill = await eventually(async () => {
          const lines = readJournal(journal);
          const tasks = [...tasksOf(lines).values()];
          const running = tasks.filter((t) => t.dones.length === 0);
          const ready =
            tasks.filter((t) => manual.has(t.flowRunId) && t.dones.length > 0).length >= RUNS &&
            running.some((t) => manual.has(t.flowRunId)) &&
            tasks.some((t) => !manual.has(t.flowRunId)) &&
            Date.now() - Math.max(...lines.map((l) => l.at)) >= QUIET_MS;
          if (!ready) return undefined;
          const done = new Set(tasks.filter((t) => t.dones.length > 0).map((t) => taskKey(t.flowRunId, t.step)));
          const recorded = new Set<string>();
          for (const id of new Set(tasks.map((t) => t.flowRunId))) {
            for (const r of (await recordedTasks(client!.temporal, id)).values()) if (r.completedAt) recorded.add(taskKey(id, r.step));
          }
          // Still as it was when read, and every step done for the journal is done for the server.
          if (readJournal(journal).length !== lines.length || [...done].some((k) => !recorded.has(k))) return undefined;
          return done;
        }, 90_000);

        const killedAt = Date.now();
        for (const pid of holders) process.kill(pid, 'SIGKILL');
        await eventually(() => holders.every((pid) => !processAlive(pid)), 10_000);
        // A launcher around the server (a wrapper script) has nothing left to run.
        if (!holders.includes(firstServer.process.pid!)) firstServer.process.kill('SIGKILL');
        await within(exited(firstServer.process), 10_000, 'the killed server process exits');
        assert.deepEqual(pidsHolding(dbFile) ?? [], [], `nothing holds ${dbFile} any more`);
        await eventually(async () => !(await portOpen(port)), 10_000);

        await new Promise((r) => setTimeout(r, DOWN_MS));
        assert.equal(worker.exitCode, null, `the worker outlives the server:\n${tail(workerLog)}`);
        const restartAt = Date.now();
        server = await startDevServer(serverOptions);
        const readyAt = Date.now();
        assert.ok(server.devServer && server.devServer.process.pid !== firstServer.process.pid, 'a new server process runs on the same file and port');

        // Every run completes with its steps' results, on the client connected before the kill.
        for (const handle of handles) {
          assert.deepEqual(
            await within(handle.result(), 90_000, `flow run ${handle.id}`),
            Array.from({ length: STEPS }, (_, i) => i + 1),
          );
        }
        const allDoneAt = Date.now();

        // The schedule fires again: a run scheduled after the restart, which completes too.
        const fresh = await eventually(
          async () => (await client!.deployments.get(deployment)).recentRuns.find((r) => Date.parse(r.scheduledAt) >= readyAt),
          SCHEDULE_SECONDS * 1000 + 30_000,
        );
        assert.ok(Date.parse(fresh.startedAt) >= readyAt);
        assert.deepEqual(await within(client.flowRuns.result(fresh.flowRunId), 30_000, `scheduled run ${fresh.flowRunId}`), [1, 2]);

        // From the journal: what ran when, and how often.
        const lines = readJournal(journal);
        const tasks = tasksOf(lines);
        // Nothing can start while the server is dead: a task started before the restart was handed
        // out before the kill.
        const inFlight = new Set([...tasks].filter(([key, t]) => t.starts.some((s) => s.at < restartAt) && !doneBeforeKill.has(key)).map(([key]) => key));
        const journaledDone = [...tasks].filter(([, t]) => t.dones.some((d) => d.at < killedAt)).map(([key]) => key);
        assert.deepEqual(journaledDone.sort(), [...doneBeforeKill].sort(), 'the kill came right after the last check of the journal');
        const rerun = [...tasks].filter(([, t]) => t.starts.length > 1).map(([key]) => key);
        assert.ok(inFlight.size > 0, 'some tasks were in flight at the kill');
        assert.deepEqual(
          lines.filter((l) => l.pid !== workerPid),
          [],
          `one worker ran every task: it reconnected instead of dying\n${tail(workerLog)}`,
        );
        for (const key of journaledDone) {
          assert.equal(tasks.get(key)!.starts.length, 1, `${key} was done before the kill and must not start again`);
        }
        for (const key of rerun) assert.ok(inFlight.has(key), `${key} ran twice but was not in flight at the kill`);
        for (const handle of handles) {
          for (let step = 1; step <= STEPS; step++) assert.ok(tasks.get(taskKey(handle.id, step))?.dones.length, `${handle.id} step ${step} finished`);
        }

        // From the histories: each step scheduled once (a re-run is a retry of the same task run),
        // and the attempt Temporal recorded last is the last the journal saw start.
        const finished = [...handles.map((h) => h.id), fresh.flowRunId];
        for (const id of new Set([...tasks.values()].map((t) => t.flowRunId))) {
          if (!finished.includes(id) && (await client.flowRuns.get(id)).state !== 'Completed') continue;
          finished.push(id);
          for (const recorded of (await recordedTasks(client.temporal, id)).values()) {
            const journaled = tasks.get(taskKey(id, recorded.step));
            assert.ok(journaled && recorded.completedAt, `${id} step ${recorded.step} completed`);
            const attempts = journaled.starts.map((s) => s.attempt);
            assert.equal(recorded.scheduled, 1, `${id} step ${recorded.step} scheduled once`);
            assert.equal(recorded.lastAttempt, Math.max(...attempts), `${id} step ${recorded.step}: last attempt, history against journal ${attempts}`);
            assert.ok(attempts.length <= recorded.lastAttempt!);
            if (doneBeforeKill.has(taskKey(id, recorded.step))) assert.ok(recorded.completedAt.getTime() < killedAt);
          }
        }
        const firstStartAfter = Math.min(...lines.filter((l) => l.event === 'start' && l.at >= restartAt).map((l) => l.at));
        console.log(
          JSON.stringify({
            inFlightAtKill: inFlight.size,
            rerun: rerun.length,
            doneBeforeKill: doneBeforeKill.size,
            runsCompleted: finished.length,
            scheduledAfterRestart: fresh.flowRunId,
            serverDownMs: readyAt - killedAt,
            recoverMs: firstStartAfter - killedAt,
            allRunsDoneMs: allDoneAt - killedAt,
          }),
        );
      } finally {
        const quietly = (what: Promise<unknown>) => within(what, 10_000, 'cleanup').catch(() => undefined);
        if (client) await quietly(client.deployments.delete(deployment));
        if (worker) {
          worker.kill('SIGTERM');
          await quietly(exited(worker));
          if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
        }
        if (client) await quietly(client.close());
        await server?.devServer?.stop();
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
