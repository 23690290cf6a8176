/**
 * `npm run bench:stream`: how fast a task's stream reaches a reader. One task streams chunks stamped
 * with the time they were streamed; a client follows the run's stream and notes when each arrives.
 * Prints the lag (arrival − streamed) p50/p95/p99, whether every chunk came once and in order, and
 * what the stream cost in history events, for a paced producer (an LLM's pace) and for a burst.
 *
 *   npm run bench:stream              10,000 chunks each way
 *   npm run bench:stream -- --smoke   300 chunks (run by `npm test`, so the benchmark never rots)
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
import { streamBench } from './streaming';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, strict: true });
const N = values.smoke ? 300 : 10_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

interface Row {
  mode: string;
  chunks: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
  inOrderOnce: boolean;
  events: number;
  signals: number;
}

async function measure(client: BatonClient, mode: string, everyMs: number): Promise<Row> {
  const started = Date.now();
  const run = await client.flowRuns.start(streamBench, { n: N, everyMs });
  const lags: number[] = [];
  const seen: number[] = [];
  for await (const item of run.stream()) {
    if (item.kind !== 'item' || item.task === undefined) continue;
    const chunk = item.value as { i: number; sentAt: number };
    lags.push(Date.now() - chunk.sentAt);
    seen.push(chunk.i);
  }
  if ((await run.result()) !== N) throw new Error(`the run did not stream ${N} chunks`);
  const seconds = (Date.now() - started) / 1000;
  const history = await client.temporal.workflow.getHandle(run.id).fetchHistory();
  const events = history.events?.length ?? 0;
  const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;
  return {
    mode,
    chunks: seen.length,
    seconds,
    p50: pct(lags, 50),
    p95: pct(lags, 95),
    p99: pct(lags, 99),
    inOrderOnce: seen.length === N && seen.every((v, i) => v === i),
    events,
    signals,
  };
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const logger = createLogger(config);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-stream-'));
  const target: TemporalTarget =
    (process.env.TEMPORAL_ADDRESS ? configuredTarget() : undefined) ??
    (await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() }));
  const taskQueue = `bench-stream-${Date.now().toString(36)}`;
  const benchConfig = { ...config, BATON_HOME: path.join(home, 'baton') };
  const worker = await createWorker({ flows: path.join(__dirname, 'streaming'), target, config: benchConfig, taskQueue, logger });
  const running = worker.run();
  const client = await BatonClient.connect({ target, dataConverter: dataConverter(benchConfig), taskQueue, flows: worker.module.flows });
  const rows: Row[] = [];
  try {
    // Warm up the worker and the connections once, then measure.
    await measure(client, 'warm-up', 0);
    // About 1,000 chunks a second: a fast model's tokens.
    rows.push(await measure(client, 'paced, 1 chunk/ms', 1));
    rows.push(await measure(client, 'burst', 0));
  } finally {
    await client.close();
    await worker.shutdown();
    await running;
    await target.devServer?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log(`Streaming: one task streams ${N.toLocaleString('en')} chunks; a client follows the run (${new Date().toISOString().slice(0, 10)})`);
  console.log('| producer | chunks read | seconds | lag p50 ms | lag p95 ms | lag p99 ms | in order, once | history events | of which signals |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.chunks} | ${r.seconds.toFixed(1)} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.inOrderOnce ? 'yes' : 'NO'} | ${r.events} | ${r.signals} |`,
    );
  }
  if (values.json) console.log(`JSON:${JSON.stringify(rows)}`);
  if (rows.some((r) => !r.inOrderOnce)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
