/**
 * `npm run bench:variables`: what a variable costs. Writes (an Update to the store workflow), reads
 * through the client (a query) and reads in flow code (a local activity recorded in the run's
 * history), each timed one at a time against a real Temporal server and an in-process worker.
 *
 *   npm run bench:variables             200 of each
 *   npm run bench:variables -- --n 50
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { VARIABLES_WORKFLOW_ID } from '../src/core/variables';
import { configuredTarget, freePort, startDevServer, type TemporalTarget } from '../src/server/temporal-server';
import { createLogger } from '../src/workers/logger';
import { createWorker } from '../src/workers/worker';
import { readMany } from './variables/index';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200' } }, strict: true });
const N = Number(values.n);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    ms.push(performance.now() - t);
  }
  return ms;
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-variables-'));
  const target: TemporalTarget =
    (process.env.TEMPORAL_ADDRESS ? configuredTarget() : undefined) ??
    (await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() }));
  const taskQueue = `bench-variables-${Date.now().toString(36)}`;
  const benchConfig = { ...config, BATON_HOME: path.join(home, 'baton') };
  const worker = await createWorker({ flows: path.join(__dirname, 'variables'), target, config: benchConfig, taskQueue, logger: createLogger(config) });
  const running = worker.run();
  const client = await BatonClient.connect({ target, dataConverter: dataConverter(benchConfig), taskQueue, flows: worker.module.flows });
  const rows: [string, number[]][] = [];
  try {
    // A store of this run's own, on this worker's task queue.
    await client.temporal.workflow
      .getHandle(VARIABLES_WORKFLOW_ID)
      .terminate('benchmark')
      .catch(() => undefined);
    const name = (i: number) => `bench_${i % 50}`;
    await client.variables.set('warm_up', 1);
    rows.push(['set (update)', await timed(N, (i) => client.variables.set(name(i), { i, at: Date.now() }))]);
    rows.push(['get through the client (query)', await timed(N, (i) => client.variables.get(name(i)))]);
    const started = performance.now();
    const found = await client.flowRuns.run(readMany, { names: Array.from({ length: N }, (_, i) => name(i)) });
    if (found !== N) throw new Error(`the flow found ${String(found)} of ${N}`);
    rows.push(['getVariable in a flow (local activity), mean of one run', [(performance.now() - started) / N]]);
  } finally {
    await client.temporal.workflow
      .getHandle(VARIABLES_WORKFLOW_ID)
      .terminate('benchmark over')
      .catch(() => undefined);
    await client.close();
    await worker.shutdown();
    await running;
    await target.devServer?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log(`Variables: ${N} of each, one at a time (${new Date().toISOString().slice(0, 10)})`);
  console.log('| operation | p50 ms | p95 ms |');
  console.log('| --- | --- | --- |');
  for (const [op, ms] of rows) console.log(`| ${op} | ${pct(ms, 50).toFixed(1)} | ${ms.length > 1 ? pct(ms, 95).toFixed(1) : '-'} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
