/**
 * `npm run bench:tune`: measures Baton's worker settings against each other on one embedded server.
 * Each variant is a Baton worker on its own task queue; the variants take turns workload by
 * workload, round by round, so a noisy moment does not land on one variant. Prints medians and
 * each variant's ratio to the defaults (in throughput: above 1 is faster).
 *
 *   npm run bench:tune                 3 rounds
 *   npm run bench:tune -- --rounds 3
 *   npm run bench:tune -- --smoke      tiny sizes, 1 round
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';
import { createLogger } from '../src/workers/logger';
import { createWorker, type BatonWorkerOptions } from '../src/workers/worker';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, rounds: { type: 'string' } }, strict: true });
const SMOKE = values.smoke;
const ROUNDS = Number(values.rounds ?? (SMOKE ? 1 : 3));
const SIZE = SMOKE ? { chain: 5, map: 20, flows: 5 } : { chain: 50, map: 1_000, flows: 100 };

const VARIANTS: { name: string; tuning: BatonWorkerOptions['tuning'] }[] = [
  { name: 'defaults (200 task slots, 40 flow-task slots, fixed pollers)', tuning: {} },
  { name: 'autoscaling task pollers (1–100)', tuning: { activityTaskPollerBehavior: { type: 'autoscaling', minimum: 1, maximum: 100, initial: 5 } } },
  { name: 'autoscaling flow-task pollers (2–100)', tuning: { workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 2, maximum: 100, initial: 5 } } },
  { name: '100 flow-task slots', tuning: { maxConcurrentWorkflowTaskExecutions: 100 } },
  { name: '500 task slots', tuning: { maxConcurrentActivityTaskExecutions: 500 } },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const logger = createLogger(config);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-tune-'));
  const target = await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() });
  const suffix = Date.now().toString(36);
  const sides = [];
  for (const [i, v] of VARIANTS.entries()) {
    const taskQueue = `tune-${suffix}-${i}`;
    const worker = await createWorker({
      flows: path.join(__dirname, 'baton'),
      target,
      config: { ...config, BATON_HOME: path.join(home, 'baton') },
      taskQueue,
      logger,
      tuning: v.tuning,
    });
    const running = worker.run();
    const client = await BatonClient.connect({
      target,
      dataConverter: dataConverter({ ...config, BATON_HOME: path.join(home, 'baton') }),
      taskQueue,
      flows: worker.module.flows,
    });
    await client.flowRuns.run('bench-map', { n: 10 });
    sides.push({ ...v, worker, running, client, chain: [] as number[], map: [] as number[], flows: [] as number[] });
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...sides].reverse() : sides;
    for (const s of order) {
      const t0 = performance.now();
      await s.client.flowRuns.run('bench-chain', { n: SIZE.chain });
      s.chain.push((performance.now() - t0) / SIZE.chain);
    }
    for (const s of order) {
      const t0 = performance.now();
      await s.client.flowRuns.run('bench-map', { n: SIZE.map });
      s.map.push(SIZE.map / ((performance.now() - t0) / 1000));
    }
    for (const s of order) {
      const t0 = performance.now();
      const handles = await Promise.all(Array.from({ length: SIZE.flows }, () => s.client.flowRuns.start('bench-ten')));
      await Promise.all(handles.map((h) => h.result()));
      s.flows.push(SIZE.flows / ((performance.now() - t0) / 1000));
    }
  }
  const base = sides[0]!;
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  console.log(`\nBaton worker settings — ${ROUNDS} round(s)${SMOKE ? ', smoke sizes' : ''}, medians; ratio to the defaults in throughput\n`);
  console.log(`| variant | chain of ${SIZE.chain}, ms/step | ratio | map of ${SIZE.map}, tasks/s | ratio | ${SIZE.flows} flows × 10, flows/s | ratio |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const s of sides) {
    const [c, m, f] = [median(s.chain), median(s.map), median(s.flows)];
    console.log(`| ${s.name} | ${fmt(c)} | ${fmt(median(base.chain) / c)} | ${fmt(m)} | ${fmt(m / median(base.map))} | ${fmt(f)} | ${fmt(f / median(base.flows))} |`);
  }
  console.log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  for (const s of sides) {
    await s.worker.shutdown();
    await s.running;
    await s.client.close();
  }
  await target.devServer?.stop();
  fs.rmSync(home, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
