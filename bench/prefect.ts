/**
 * `npm run bench:prefect`: Baton, raw Temporal and Prefect 3 on W1–W5, in one run and one table:
 * `npm run bench -- --with-prefect --only W1,W2,W3,W4,W5` (bench/run.ts), which installs Prefect 3
 * from PyPI into bench/.venv (once) and starts Prefect's own server on loopback (SQLite).
 *
 *   npm run bench:prefect                      full sizes, 3 rounds
 *   npm run bench:prefect -- --smoke           tiny sizes, 1 round (other flags go to bench/run.ts)
 *   npm run bench:prefect -- --prefect-only    Prefect alone: bench/prefect/bench.py, all rounds in one process
 *
 * Every wait has a time limit; a stall ends the run with a message, not a hang.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BENCH_PY, PY, runChild, SERVER_SETTINGS, startPrefectServer } from './prefect-server';

const args = process.argv.slice(2);
const SMOKE = args.includes('--smoke');

/** Prefect alone, as bench/prefect/bench.py measures it: its figures, as JSON-derived lines. */
async function prefectOnly(): Promise<void> {
  const server = await startPrefectServer();
  try {
    console.error('# running W2, W3, W1, W4, W5 with Prefect');
    const out = await runChild(
      'Prefect side (bench/prefect/bench.py)',
      PY,
      [BENCH_PY, ...(SMOKE ? ['--smoke'] : [])],
      { ...server.env, BENCH_PREFECT_SERVER_PGID: String(server.pgid) },
      (SMOKE ? 30 : 240) * 60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nPrefect server log (last lines):\n${server.tail()}`);
    });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    console.log(`\nPrefect ${server.version}${SMOKE ? ' (smoke sizes)' : ''}, ${String(result.rounds)} round(s), medians\n`);
    for (const [k, v] of Object.entries(result)) if (!k.endsWith('_samples') && !k.endsWith('_samples_ms')) console.log(`${k}: ${JSON.stringify(v)}`);
    console.log(
      `Prefect server settings: ${Object.entries(SERVER_SETTINGS)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    // W4's all-at-once attempt may fail and its bounded rounds still give a figure: only a missing figure is a failure.
    const figures = { w1: 'w1_p50_ms', w2: 'w2_ms_per_step', w3: 'w3_tasks_per_s', w4: 'w4_flows_per_s', w5: 'w5_rss_kib_per_flow' };
    const failed = Object.entries(figures).filter(([w, key]) => `${w}_error` in result && typeof result[key] !== 'number');
    if (failed.length) throw new Error(`Prefect failed on ${failed.map(([w]) => w.toUpperCase()).join(', ')}; see above`);
  } finally {
    await server.stop();
  }
}

/** Baton, raw Temporal and Prefect in one run: bench/run.ts does it all. */
function together(): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'run.ts'), '--with-prefect', '--only', 'W1,W2,W3,W4,W5', ...args], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches the child from the terminal; a SIGTERM sent to this process is passed on.
  process.once('SIGTERM', () => child.kill('SIGTERM'));
  process.once('SIGINT', () => undefined);
  return new Promise((resolve, reject) =>
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench/run.ts --with-prefect ended with ${signal ?? `exit code ${code}`}`)))),
  );
}

(args.includes('--prefect-only') ? prefectOnly() : together()).then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
