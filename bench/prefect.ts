/**
 * `npm run bench:prefect`: installs Prefect 3 from PyPI into bench/.venv (once), starts Prefect's
 * own server on loopback, runs the W1–W4 shapes written with Prefect, runs the same shapes with
 * Baton, and prints the table with the ratio Baton ÷ Prefect (in throughput: above 1, Baton faster).
 *
 *   npm run bench:prefect              full sizes
 *   npm run bench:prefect -- --smoke   tiny sizes
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/server/temporal-server';

const SMOKE = process.argv.includes('--smoke');
const VENV = path.join(__dirname, '.venv');
/**
 * Prefect 3.8 asks for FastAPI ≥ 0.139, but FastAPI 0.155 and later refuse an argument Prefect's
 * server still passes (`Body(min_items=...)`), so the server does not start; 0.150.0 works.
 */
const PINS = ['prefect>=3,<4', 'fastapi==0.150.0'];
const PY = path.join(VENV, 'bin', 'python');

function ensurePrefect(): string {
  if (!fs.existsSync(PY)) {
    console.log('# creating bench/.venv and installing Prefect 3 from PyPI (a minute or two, once)');
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  const check = 'import prefect, fastapi; assert fastapi.__version__ == "0.150.0"; print(prefect.__version__)';
  try {
    return execFileSync(PY, ['-c', check], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '-q', ...PINS], { stdio: 'inherit' });
    return execFileSync(PY, ['-c', check], { encoding: 'utf8' }).trim();
  }
}

async function main(): Promise<void> {
  const version = ensurePrefect();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-prefect-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api`;
  const env = {
    ...process.env,
    PREFECT_HOME: home,
    PREFECT_API_URL: api,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_LOGGING_LEVEL: 'WARNING',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    BENCH_SMOKE: SMOKE ? '1' : '0',
  };
  console.log(`# Prefect ${version}: starting its server on 127.0.0.1:${port}`);
  const serverLog = fs.openSync(path.join(home, 'server.log'), 'a');
  const server = spawn(path.join(VENV, 'bin', 'prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    stdio: ['ignore', serverLog, serverLog],
  });
  let exited = false;
  server.once('exit', () => (exited = true));
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        if ((await fetch(`${api}/health`)).ok) break;
      } catch {
        // not up yet
      }
      if (exited || Date.now() > deadline) {
        throw new Error(`Prefect server did not start; its log:\n${fs.readFileSync(path.join(home, 'server.log'), 'utf8').split('\n').slice(-15).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const prefect = JSON.parse(
      execFileSync(PY, [path.join(__dirname, 'prefect', 'bench.py')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
        .trim()
        .split('\n')
        .pop()!,
    ) as Record<string, number>;
    const batonOut = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'run.ts'), '--only', 'W1,W2,W3,W4', '--json', ...(SMOKE ? ['--smoke'] : [])], {
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
    });
    const rows = JSON.parse(batonOut.trim().split('\n').pop()!.replace(/^JSON:/, '')) as { id: string; workload: string; baton: number }[];
    const baton = (id: string, match: string) => rows.find((r) => r.id === id && r.workload.includes(match))?.baton ?? NaN;
    const table = [
      ['W1', 'REST trigger → completion, p50', 'ms', baton('W1', 'p50'), prefect.w1_p50_ms, false],
      ['W1', 'REST trigger → completion, p99', 'ms', baton('W1', 'p99'), prefect.w1_p99_ms, false],
      ['W2', 'chain of sequential tasks, per step', 'ms', baton('W2', 'chain'), prefect.w2_ms_per_step, false],
      ['W3', 'one flow mapping tasks', 'tasks/s', baton('W3', 'mapping'), prefect.w3_tasks_per_s, true],
      ['W4', 'concurrent flows × 10 tasks', 'flows/s', baton('W4', 'concurrent'), prefect.w4_flows_per_s, true],
    ] as const;
    const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)) : '-');
    console.log(`\nBaton vs Prefect ${version}${SMOKE ? ' (smoke sizes)' : ''}; ratio = Baton ÷ Prefect in throughput (above 1: Baton faster)\n`);
    console.log('| id | workload | unit | Baton | Prefect 3 | ratio |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [id, workload, unit, b, p, higher] of table) {
      console.log(`| ${id} | ${workload} | ${unit} | ${fmt(b)} | ${fmt(p)} | ${fmt(higher ? b / p : p / b)} |`);
    }
    console.log(`sizes: ${JSON.stringify(prefect.sizes)}, rounds ${prefect.rounds}`);
    if (prefect.w4_error) {
      console.log(`W4: at ${(prefect.sizes as unknown as { w4: number }).w4} concurrent flows Prefect failed (${prefect.w4_error}); its figure is for the same 200 flows run ${prefect.w4_concurrency} at a time`);
    }
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
