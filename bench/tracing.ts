/**
 * `npm run bench:tracing`: what tracing costs a worker. The same worker process runs the same flow
 * runs (five tasks each, ten at a time) untraced and traced, alternating, each against a fresh
 * task queue; traced, it exports to an OTLP/HTTP receiver in this process (which only counts what
 * it gets). Prints runs per second, a run's latency p50/p95 and the spans received, per round.
 *
 *   npm run bench:tracing              3 rounds of 200 runs each way
 *   npm run bench:tracing -- --smoke   1 round of 20 runs each way (run by `npm test`, so the benchmark never rots)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { configuredTarget, freePort, startDevServer, type TemporalTarget } from '../src/server/temporal-server';
import { traceBench } from './tracing/flows';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, strict: true });
const ROUNDS = values.smoke ? 1 : 3;
const RUNS = values.smoke ? 20 : 200;
const CONCURRENCY = 10;
const TASKS = 5;
const FLOWS = path.join(__dirname, 'tracing');
const BATON = path.join(__dirname, '..', 'bin', 'baton.js');

interface Row {
  mode: 'off' | 'on';
  round: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  exports: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** An OTLP/HTTP receiver that takes each export (protobuf, the default protocol), counts it and drops it. */
async function startReceiver(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-tracing-'));
  const target: TemporalTarget =
    (process.env.TEMPORAL_ADDRESS ? configuredTarget() : undefined) ??
    (await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() }));
  const receiver = await startReceiver();
  const rows: Row[] = [];
  const children: ChildProcess[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['off', 'on'] as const) {
        const taskQueue = `bench-tracing-${mode}-${Date.now().toString(36)}`;
        const env: NodeJS.ProcessEnv = { ...process.env, BATON_HOME: path.join(home, 'baton'), BATON_LOG_LEVEL: 'error', TEMPORAL_ADDRESS: target.address };
        for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
        if (mode === 'on') Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
        const exportsBefore = receiver.requests();
        const child = spawn(process.execPath, [BATON, 'worker', 'start', '--flows', FLOWS, '--task-queue', taskQueue], { env, stdio: 'inherit' });
        children.push(child);
        const client = await BatonClient.connect({ target, dataConverter: dataConverter(config), taskQueue, flows: [traceBench] });
        try {
          // Warm up: the worker has bundled its flows and its connections are open.
          for (let i = 0; i < CONCURRENCY; i++) await client.flowRuns.start(traceBench, { tasks: TASKS }).then((r) => r.result());
          const latencies: number[] = [];
          const started = performance.now();
          let next = 0;
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              while (next++ < RUNS) {
                const t0 = performance.now();
                const run = await client.flowRuns.start(traceBench, { tasks: TASKS });
                if ((await run.result()) !== (TASKS * (TASKS - 1)) / 2) throw new Error('a run returned the wrong sum');
                latencies.push(performance.now() - t0);
              }
            }),
          );
          const seconds = (performance.now() - started) / 1000;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          await exited;
          rows.push({
            mode,
            round,
            seconds,
            perSecond: RUNS / seconds,
            p50: pct(latencies, 50),
            p95: pct(latencies, 95),
            exports: receiver.requests() - exportsBefore,
          });
        } finally {
          await client.close();
        }
      }
    }
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await receiver.close();
    await target.devServer?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log(
    `Tracing: ${RUNS} runs of a ${TASKS}-task flow, ${CONCURRENCY} at a time, per round (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores)`,
  );
  console.log("| round | tracing | seconds | runs/s | run p50 ms | run p95 ms | export requests over the worker's life |");
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.round} | ${r.mode} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.exports} |`);
  const mean = (mode: 'off' | 'on') => rows.filter((r) => r.mode === mode).reduce((a, r) => a + r.perSecond, 0) / ROUNDS;
  console.log(`runs/s traced ÷ untraced: ${(mean('on') / mean('off')).toFixed(2)}`);
  if (values.json) console.log(`JSON:${JSON.stringify(rows)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
