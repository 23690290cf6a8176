/**
 * `npm run bench:prefect`: installs Prefect 3 from PyPI into bench/.venv (once), starts Prefect's
 * own server on loopback (SQLite), runs the W1–W4 shapes written with Prefect (bench/prefect/),
 * runs the same shapes with Baton (bench/run.ts), and prints the table with the ratio
 * Baton ÷ Prefect (in throughput: above 1, Baton faster).
 *
 *   npm run bench:prefect              full sizes, 3 rounds
 *   npm run bench:prefect -- --smoke   tiny sizes, 1 round
 *   npm run bench:prefect -- --prefect-only   skip the Baton side
 *
 * Every wait has a time limit; a stall ends the run with a message, not a hang.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/server/temporal-server';

const SMOKE = process.argv.includes('--smoke');
const PREFECT_ONLY = process.argv.includes('--prefect-only');
const VENV = path.join(__dirname, '.venv');
/**
 * Prefect 3.8 asks for FastAPI ≥ 0.139, but FastAPI 0.155 and later refuse an argument Prefect's
 * server still passes (`Body(min_items=...)`), so the server does not start; 0.150.0 works.
 */
const PINS = ['prefect>=3,<4', 'fastapi==0.150.0'];
const PY = path.join(VENV, 'bin', 'python');
const MIN = 60_000;
/** Upper bounds for each stage; far above what they take, there only to turn a stall into an error. */
const LIMIT = {
  install: 15 * MIN,
  serverStart: 3 * MIN,
  prefectSide: (SMOKE ? 20 : 150) * MIN,
  batonSide: (SMOKE ? 15 : 60) * MIN,
};

/**
 * Prefect's server settings for this benchmark (all documented; see `prefect config view
 * --show-defaults`). The database stays the default: SQLite in PREFECT_HOME, WAL, synchronous=NORMAL.
 *
 * - Background services with nothing to do in these workloads are off (no schedules, automations,
 *   pauses, workers, cancellations): each wakes every few seconds and writes to SQLite, and on
 *   SQLite a write that lands inside another request's read-then-write transaction makes that
 *   request fail with "database is locked", which the server answers with 503 and Prefect's client
 *   retries 2, 4, 8... s later. With them on, even one flow at a time hit such retries.
 * - The services that record what ran stay on: the event persister, and the task run recorder
 *   (task runs in Prefect 3 reach the database only through it), the latter writing in batches of
 *   up to 100 task runs at least once a second instead of one transaction per task-run event.
 * - PREFECT_SERVER_DATABASE_TIMEOUT is not set: on SQLite it is the driver's lock wait, which
 *   Prefect replaces with `PRAGMA busy_timeout = 60000` on every connection, and the 503s above
 *   come from SQLite refusing a lock upgrade at once (no wait applies), not from a timeout.
 * - No UI, no analytics, warnings-only logging (also on the client: with INFO, each flow and task
 *   run ships log lines to the server).
 */
const SERVER_SETTINGS: Record<string, string> = {
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

function ensurePrefect(): string {
  if (!fs.existsSync(PY)) {
    console.log('# creating bench/.venv and installing Prefect 3 from PyPI (a minute or two, once)');
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit', timeout: LIMIT.install });
  }
  const check = 'import prefect, fastapi; assert fastapi.__version__ == "0.150.0"; print(prefect.__version__)';
  try {
    return execFileSync(PY, ['-c', check], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2 * MIN }).trim();
  } catch {
    execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '-q', ...PINS], { stdio: 'inherit', timeout: LIMIT.install });
    return execFileSync(PY, ['-c', check], { encoding: 'utf8', timeout: 2 * MIN }).trim();
  }
}

/** Runs a child to completion within `limitMs`; stderr passes through (progress), stdout is returned. */
function run(what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    if (child.pid) groups.add(child.pid);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      console.error(`# ${what}: no result within ${Math.round(limitMs / MIN)} min; stopping it`);
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000).unref();
    }, limitMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (child.pid) groups.delete(child.pid);
      if (code === 0) resolve(out);
      else reject(new Error(`${what} failed (${signal ?? `exit code ${code}`}); its progress is above`));
    });
  });
}

/** Children started in their own process groups: stopped with this process, even on Ctrl-C. */
const groups = new Set<number>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const pid of groups) killGroup(pid, 'SIGTERM');
    process.exit(130);
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

type PrefectResults = Record<string, unknown> & {
  prefect_version: string;
  sizes: Record<string, number>;
  rounds: number;
  settings: Record<string, unknown>;
};

async function main(): Promise<void> {
  const version = ensurePrefect();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-prefect-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api`;
  const env = {
    ...process.env,
    ...SERVER_SETTINGS,
    PREFECT_HOME: home,
    PREFECT_API_URL: api,
    BENCH_SMOKE: SMOKE ? '1' : '0',
  };
  console.log(`# Prefect ${version}: starting its server on 127.0.0.1:${port} (SQLite in ${home})`);
  const serverLogPath = path.join(home, 'server.log');
  const serverLog = fs.openSync(serverLogPath, 'a');
  const server = spawn(path.join(VENV, 'bin', 'prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    stdio: ['ignore', serverLog, serverLog],
    detached: true,
  });
  if (server.pid) groups.add(server.pid);
  let exited = false;
  server.once('exit', () => (exited = true));
  const serverTail = () => fs.readFileSync(serverLogPath, 'utf8').split('\n').slice(-15).join('\n');
  let failed = false;
  try {
    const t0 = Date.now();
    for (;;) {
      try {
        if ((await fetch(`${api}/health`, { signal: AbortSignal.timeout(5_000) })).ok) break;
      } catch {
        // not up yet
      }
      if (exited || Date.now() - t0 > LIMIT.serverStart) {
        throw new Error(`Prefect server did not start within ${LIMIT.serverStart / 1000} s; its log:\n${serverTail()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`# Prefect server up after ${((Date.now() - t0) / 1000).toFixed(1)} s; running W2, W3, W1, W4 with Prefect`);
    const prefectOut = await run('Prefect side (bench/prefect/bench.py)', PY, [path.join(__dirname, 'prefect', 'bench.py')], env, LIMIT.prefectSide).catch(
      (err: Error) => {
        throw new Error(`${err.message}\nPrefect server log (last lines):\n${serverTail()}`);
      },
    );
    const prefect = JSON.parse(prefectOut.trim().split('\n').pop()!) as PrefectResults;
    server.kill('SIGTERM');

    let rows: { id: string; workload: string; baton: number }[] = [];
    if (!PREFECT_ONLY) {
      console.log('# running the same shapes with Baton (bench/run.ts --only W1,W2,W3,W4)');
      const batonOut = await run(
        'Baton side (bench/run.ts)',
        process.execPath,
        ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'run.ts'), '--only', 'W1,W2,W3,W4', '--json', ...(SMOKE ? ['--smoke'] : [])],
        { ...process.env, TEMPORAL_ADDRESS: '' },
        LIMIT.batonSide,
      );
      rows = JSON.parse(
        batonOut
          .trim()
          .split('\n')
          .pop()!
          .replace(/^JSON:/, ''),
      ) as typeof rows;
    }
    const baton = (id: string, match: string) => rows.find((r) => r.id === id && r.workload.includes(match))?.baton ?? NaN;
    const num = (key: string) => (typeof prefect[key] === 'number' ? (prefect[key] as number) : NaN);
    const table = [
      ['W1', 'REST trigger → completion, p50', 'ms', baton('W1', 'p50'), num('w1_p50_ms'), false],
      ['W1', 'REST trigger → completion, p99', 'ms', baton('W1', 'p99'), num('w1_p99_ms'), false],
      ['W2', `chain of ${prefect.sizes.w2} sequential tasks, per step`, 'ms', baton('W2', 'chain'), num('w2_ms_per_step'), false],
      ['W3', `one flow mapping ${prefect.sizes.w3} tasks`, 'tasks/s', baton('W3', 'mapping'), num('w3_tasks_per_s'), true],
      ['W4', `${prefect.sizes.w4} concurrent flows × 10 tasks`, 'flows/s', baton('W4', 'concurrent'), num('w4_flows_per_s'), true],
    ] as const;
    const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)) : '-');
    console.log(
      `\nBaton vs Prefect ${version}${SMOKE ? ' (smoke sizes)' : ''}, ${prefect.rounds} round(s), medians; ratio = Baton ÷ Prefect in throughput (above 1: Baton faster)\n`,
    );
    console.log('| id | workload | unit | Baton | Prefect 3 | ratio |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [id, workload, unit, b, p, higher] of table) {
      console.log(`| ${id} | ${workload} | ${unit} | ${fmt(b)} | ${fmt(p)} | ${fmt(higher ? b / p : p / b)} |`);
    }
    console.log(`\nPrefect sizes ${JSON.stringify(prefect.sizes)}; W1 runs measured: ${prefect.w1_runs ?? '-'}`);
    if (typeof prefect.w1_p50_ms === 'number') {
      console.log(
        `W1 (Prefect): served deployment (flow.serve, one Python process started per run), PREFECT_RUNNER_POLL_FREQUENCY=${prefect.settings.w1_runner_poll_frequency_s} s; ` +
          `p50 of POST create_flow_run ${fmt(num('w1_create_p50_ms'))} ms, of trigger → Running ${fmt(num('w1_to_running_p50_ms'))} ms; ` +
          `${prefect.w1_retried_requests} request(s) retried after a 503`,
      );
    }
    if (prefect.w4_concurrency !== undefined && prefect.w4_concurrency !== prefect.sizes.w4) {
      console.log(
        `W4 (Prefect): with all ${prefect.sizes.w4} flows at once Prefect failed (${prefect.w4_error}); ` +
          `probes of bounded concurrency (flows/s or error): ${JSON.stringify(prefect.w4_probes)}; ` +
          `its figure is for the same ${prefect.sizes.w4} flows run at most ${prefect.w4_concurrency} at a time`,
      );
    }
    console.log(
      `Prefect server settings: ${Object.entries(SERVER_SETTINGS)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    console.log(`Prefect client settings: ${JSON.stringify(prefect.settings)}`);
    const errors = Object.entries(prefect).filter(([k]) => k.endsWith('_error') && !(k === 'w4_error' && Number.isFinite(num('w4_flows_per_s'))));
    for (const [k, v] of errors) console.log(`Prefect ${k.replace('_error', '').toUpperCase()} FAILED: ${String(v)}`);
    failed = errors.length > 0;
  } finally {
    killGroup(server.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1_000));
    killGroup(server.pid, 'SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
  if (failed) throw new Error('some Prefect workloads failed; see above');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
