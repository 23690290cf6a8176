/**
 * `npm run bench:concurrency`: what a global concurrency limit costs a flow. One flow takes and
 * gives back a slot `n` times in a row (uncontended), beside the same loop calling one empty task
 * per round instead (what a task call costs, for scale); then
 * several flows do the same on a limit with fewer slots than flows (contended), where every round
 * goes through the one limit workflow. Prints ms per acquire+release.
 *
 *   npm run bench:concurrency              50 rounds; 8 flows × 25 rounds on 2 slots
 *   npm run bench:concurrency -- --smoke   5 rounds; 3 flows × 3 rounds (run by `npm test`)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { configuredTarget, freePort, startDevServer, type TemporalTarget } from '../src/server/temporal-server';
import { createLogger } from '../src/workers/logger';
import { createWorker } from '../src/workers/worker';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, strict: true });
const ROUNDS = values.smoke ? 5 : 50;
const FLOWS = values.smoke ? 3 : 8;
const FLOW_ROUNDS = values.smoke ? 3 : 25;
const SLOTS = 2;

interface Row {
  case: string;
  acquires: number;
  seconds: number;
  msPerAcquire: number;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const logger = createLogger(config);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-limits-'));
  const target: TemporalTarget =
    (process.env.TEMPORAL_ADDRESS ? configuredTarget() : undefined) ??
    (await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() }));
  const taskQueue = `bench-limits-${Date.now().toString(36)}`;
  const benchConfig = { ...config, BATON_HOME: path.join(home, 'baton') };
  const worker = await createWorker({ flows: path.join(__dirname, 'limits'), target, config: benchConfig, taskQueue, logger });
  const running = worker.run();
  const client = await BatonClient.connect({ target, dataConverter: dataConverter(benchConfig), taskQueue, flows: worker.module.flows });
  const rows: Row[] = [];
  const solo = `bench-solo-${Date.now().toString(36)}`;
  const shared = `bench-shared-${Date.now().toString(36)}`;
  try {
    await client.concurrencyLimits.create({ name: solo, slots: 1 });
    await client.concurrencyLimits.create({ name: shared, slots: SLOTS });
    const rounds = (flow: string, limit: string, n: number) => async () => (await client.flowRuns.start(flow, { limit, n })).result();
    // Warm up the worker, the connections and the limit workflows.
    await rounds('bench-limit-rounds', solo, 3)();
    await rounds('bench-limit-baseline', solo, 3)();
    const baseline = await timed(rounds('bench-limit-baseline', solo, ROUNDS));
    const uncontended = await timed(rounds('bench-limit-rounds', solo, ROUNDS));
    rows.push({ case: 'for scale: one empty task call per round, no limit', acquires: ROUNDS, seconds: baseline, msPerAcquire: (baseline * 1000) / ROUNDS });
    rows.push({ case: 'uncontended: one flow, a limit of 1', acquires: ROUNDS, seconds: uncontended, msPerAcquire: (uncontended * 1000) / ROUNDS });
    const contended = await timed(() => Promise.all(Array.from({ length: FLOWS }, () => rounds('bench-limit-rounds', shared, FLOW_ROUNDS)())));
    const total = FLOWS * FLOW_ROUNDS;
    rows.push({
      case: `contended: ${FLOWS} flows on a limit of ${SLOTS} (per acquire, all flows)`,
      acquires: total,
      seconds: contended,
      msPerAcquire: (contended * 1000) / total,
    });
    // The last releases are sent as the flows end: give them a moment to arrive.
    let limit = await client.concurrencyLimits.get(shared);
    for (let i = 0; i < 50 && limit.holders.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      limit = await client.concurrencyLimits.get(shared);
    }
    if (limit.granted !== total || limit.holders.length !== 0)
      throw new Error(`the shared limit granted ${limit.granted} of ${total}, ${limit.holders.length} still held`);
  } finally {
    await client.concurrencyLimits.delete(solo).catch(() => undefined);
    await client.concurrencyLimits.delete(shared).catch(() => undefined);
    await client.close();
    await worker.shutdown();
    await running;
    await target.devServer?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log(`Concurrency limits: ms per acquire+release from flows (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores)`);
  console.log('| case | acquires | seconds | ms per acquire+release |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.case} | ${r.acquires} | ${r.seconds.toFixed(2)} | ${r.msPerAcquire.toFixed(1)} |`);
  if (values.json) console.log(`JSON:${JSON.stringify(rows)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
