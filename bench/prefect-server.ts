/**
 * Prefect 3 for the benchmarks: installed from PyPI into bench/.venv (once), its own server started
 * on loopback with SQLite and the settings below, and every Python process the benchmarks start
 * (the server, bench/prefect/bench.py) kept in a process group of its own, so that it is stopped
 * with the benchmark: at the end, on failure, and on Ctrl-C or SIGTERM.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/server/temporal-server';

export const VENV = path.join(__dirname, '.venv');
export const PY = path.join(VENV, 'bin', 'python');
export const BENCH_PY = path.join(__dirname, 'prefect', 'bench.py');
/**
 * Prefect 3.8 asks for FastAPI ≥ 0.139, but FastAPI 0.155 and later refuse an argument Prefect's
 * server still passes (`Body(min_items=...)`), so the server does not start; 0.150.0 works.
 */
const PINS = ['prefect>=3,<4', 'fastapi==0.150.0'];
const MIN = 60_000;
const INSTALL_LIMIT = 15 * MIN;
const SERVER_START_LIMIT = 3 * MIN;

/**
 * Prefect's server settings for the benchmarks (all documented; see `prefect config view
 * --show-defaults`). The database stays the default: SQLite in PREFECT_HOME, WAL, synchronous=NORMAL.
 *
 * - Background services with nothing to do in these workloads are off (no schedules, automations,
 *   pause expirations, workers, cancellations): each wakes every few seconds and writes to SQLite,
 *   and on SQLite a write that lands inside another request's read-then-write transaction makes
 *   that request fail with "database is locked", which the server answers with 503 and Prefect's
 *   client retries 2, 4, 8... s later. With them on, even one flow at a time hit such retries.
 * - The services that record what ran stay on: the event persister, and the task run recorder
 *   (task runs in Prefect 3 reach the database only through it), the latter writing in batches of
 *   up to 100 task runs at least once a second instead of one transaction per task-run event.
 * - PREFECT_SERVER_DATABASE_TIMEOUT is not set: on SQLite it is the driver's lock wait, which
 *   Prefect replaces with `PRAGMA busy_timeout = 60000` on every connection, and the 503s above
 *   come from SQLite refusing a lock upgrade at once (no wait applies), not from a timeout.
 * - No UI, no analytics, warnings-only logging (also on the client: with INFO, each flow and task
 *   run ships log lines to the server).
 */
export const SERVER_SETTINGS: Record<string, string> = {
  PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
  PREFECT_SERVER_UI_ENABLED: 'false',
  PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
  PREFECT_LOGGING_LEVEL: 'WARNING',
  PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_FOREMAN_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED: 'false',
  PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE: '100',
  PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE: '100',
  PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL: '1',
};

/** Creates bench/.venv and installs the pinned Prefect into it unless it is there; returns Prefect's version. */
export function ensurePrefect(): string {
  if (!fs.existsSync(PY)) {
    console.error('# creating bench/.venv and installing Prefect 3 from PyPI (a minute or two, once)');
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: ['ignore', 'inherit', 'inherit'], timeout: INSTALL_LIMIT });
  }
  const check = 'import prefect, fastapi; assert fastapi.__version__ == "0.150.0"; print(prefect.__version__)';
  try {
    return execFileSync(PY, ['-c', check], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2 * MIN }).trim();
  } catch {
    // pip's progress goes to stderr: stdout may carry a benchmark's JSON.
    execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '-q', ...PINS], { stdio: ['ignore', process.stderr, 'inherit'], timeout: INSTALL_LIMIT });
    return execFileSync(PY, ['-c', check], { encoding: 'utf8', timeout: 2 * MIN }).trim();
  }
}

/** Process groups started here; each is stopped with this process, whatever way it ends. */
const groups = new Set<number>();
/** Folders to remove on the way out (the server's PREFECT_HOME). */
const homes = new Set<string>();
let hooked = false;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function track(pid: number | undefined): void {
  if (!pid) return;
  groups.add(pid);
  if (hooked) return;
  hooked = true;
  // A plain exit (an uncaught error included): nothing may outlive the benchmark.
  process.on('exit', () => {
    for (const g of groups) killGroup(g, 'SIGKILL');
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`# ${sig}: stopping Prefect's processes`);
      for (const g of groups) killGroup(g, 'SIGTERM');
      // A second for them to close; the 'exit' hook then kills what is left.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_000);
      process.exit(130);
    });
  }
}

/**
 * Runs a child in a process group of its own to completion within `limitMs`: stderr passes
 * through (progress), stdout is returned. Past the limit the group is stopped and the promise rejects.
 */
export function runChild(what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    track(child.pid);
    let out = '';
    let overran = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      overran = true;
      console.error(`# ${what}: no result within ${(limitMs / MIN).toFixed(1)} min; stopping it`);
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000).unref();
    }, limitMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (child.pid) groups.delete(child.pid);
      if (code === 0) resolve(out);
      else
        reject(new Error(`${what} ${overran ? `overran its ${(limitMs / MIN).toFixed(1)} min` : 'failed'} (${signal ?? `exit code ${code}`}); its progress is above`));
    });
  });
}

/** A running Prefect server and the environment its clients need. */
export interface PrefectServer {
  version: string;
  /** PREFECT_API_URL. */
  api: string;
  /** The process group of `prefect server start` (the server and anything it starts). */
  pgid: number;
  /** SERVER_SETTINGS, PREFECT_HOME and PREFECT_API_URL over this process's environment. */
  env: NodeJS.ProcessEnv;
  /** The last lines of the server's log. */
  tail(): string;
  /** False once the server's process has exited. */
  alive(): boolean;
  /** Stops the server (SIGTERM, then SIGKILL after a second) and removes its home. Idempotent. */
  stop(): Promise<void>;
}

/** Installs Prefect if needed and starts its server on a free loopback port; resolves once /health answers. */
export async function startPrefectServer(): Promise<PrefectServer> {
  const version = ensurePrefect();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-prefect-'));
  homes.add(home);
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api`;
  const env = { ...process.env, ...SERVER_SETTINGS, PREFECT_HOME: home, PREFECT_API_URL: api };
  console.error(`# Prefect ${version}: starting its server on 127.0.0.1:${port} (SQLite in ${home})`);
  const logPath = path.join(home, 'server.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(path.join(VENV, 'bin', 'prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  fs.closeSync(log);
  track(child.pid);
  let exited = false;
  child.once('exit', () => (exited = true));
  const tail = () => {
    try {
      return fs.readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child.pid, 'SIGTERM');
    const t0 = Date.now();
    while (!exited && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 100));
    killGroup(child.pid, 'SIGKILL');
    if (child.pid) groups.delete(child.pid);
    fs.rmSync(home, { recursive: true, force: true });
    homes.delete(home);
  };
  const t0 = Date.now();
  try {
    for (;;) {
      try {
        if ((await fetch(`${api}/health`, { signal: AbortSignal.timeout(5_000) })).ok) break;
      } catch {
        // not up yet
      }
      if (exited || Date.now() - t0 > SERVER_START_LIMIT) {
        throw new Error(`Prefect's server did not start within ${SERVER_START_LIMIT / 1000} s; its log:\n${tail()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  console.error(`# Prefect's server up after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { version, api, pgid: child.pid!, env, tail, alive: () => !exited, stop };
}
