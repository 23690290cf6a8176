/**
 * `npm run bench`: one Temporal server, each workload run as Baton and as the same work written
 * with the raw Temporal SDK, interleaved (A, B, B, A, ...) over several rounds. Prints medians,
 * p50/p99 where latency matters, and the ratio Baton ÷ raw (in throughput: above 1 is faster).
 *
 *   npm run bench                 full sizes, 3 rounds
 *   npm run bench -- --smoke      tiny sizes, 1 round (run by `npm test` so the benchmarks never rot)
 *   npm run bench -- --rounds 5 --only W2,W3
 *   npm run bench -- --only W2 --mode local    W2–W4, W7 and W8 run with regular and local tasks; one mode only
 *   npm run bench -- --only W5z                W5 with a flow module that imports zod (not in the default set)
 *   npm run bench -- --only W5 --w5-raw-first  W5 with raw Temporal's side measured first (RSS favours whichever goes second)
 *   npm run bench -- --with-prefect            also Prefect 3 (its own server, bench/.venv) on W1–W5,
 *                                              in each round's rotation; one table with every ratio
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/api/app';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { configuredTarget, freePort, startDevServer, type TemporalTarget } from '../src/server/temporal-server';
import { createWorker } from '../src/workers/worker';
import { createLogger } from '../src/workers/logger';
import * as rawActivities from './raw/activities';
import { fmt, printBatonVsRaw, printWithPrefect, type Mode, type Row } from './bench-table';
import { PrefectSide, type PrefectResult } from './prefect-side';
import { jsonPoster } from './http-post';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'boolean', default: false },
    'with-prefect': { type: 'boolean', default: false },
    'w5-raw-first': { type: 'boolean', default: false },
  },
  strict: true,
});
const SMOKE = values.smoke;
const WITH_PREFECT = values['with-prefect'];
/** W2–W4 in both task modes, unless `--mode regular|local` picks one. */
const MODES: Mode[] = values.mode ? [values.mode as Mode] : ['regular', 'local'];
const ROUNDS = Number(values.rounds ?? (SMOKE ? 1 : 3));
const ONLY = values.only ? new Set(values.only.split(',')) : undefined;
const SIZE = SMOKE ? { w1: 3, w2: 5, w3: 20, w4: 5, w5: 10, w7: 60, w8: 120 } : { w1: 40, w2: 100, w3: 1_000, w4: 200, w5: 1_000, w7: 10_000, w8: 100_000 };
/** Items per child workflow in W7/W8: Baton's default shard size, and the same for the raw side. */
const SHARD = SMOKE ? 25 : 1_000;
/** Shards (raw: child workflows) running at once, as Baton does by default. */
const SHARDS_AT_ONCE = 4;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const gcAndMeasure = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 1024 / 1024, heap: m.heapUsed / 1024 / 1024 };
};
/** The sides in round `r`'s order: each round starts one later (A B C, B C A, C A B...; with two: A B, B A). */
const rotate = <T>(sides: T[], r: number): T[] => sides.map((_, i) => sides[(i + r) % sides.length]!);
/**
 * Runs each side once and throws the figures away (JIT, caches and connections warm on every side,
 * so none pays for going first), then the rounds, interleaved: A B, B A, A B... (with more sides,
 * rotated: A B C, B C A, C A B...).
 */
async function interleave(sides: (() => Promise<void>)[], discard: () => void): Promise<void> {
  if (!SMOKE) {
    for (const f of sides) await f();
    discard();
  }
  for (let r = 0; r < ROUNDS; r++) for (const f of rotate(sides, r)) await f();
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type ModeWorkload = 'W2' | 'W3' | 'W4';
/** One workload in one task mode: its Baton and raw sides, and the row it records from their figures. */
interface Measured {
  sides: (() => Promise<void>)[];
  discard: () => void;
  record: (prefect?: number) => void;
}

/** Prefect's side, with `--with-prefect`; stopped on the way out, whatever way that is. */
let prefect: PrefectSide | undefined;
/** One workload's Prefect turns: each runs one round in bench.py and keeps its samples under `key`. */
function prefectTurns(w: 'W2' | 'W3' | 'W4', key: string) {
  const xs: number[] = [];
  return {
    run: async () => void xs.push(...(((await prefect!.round(w))[key] as number[] | undefined) ?? [])),
    discard: () => void (xs.length = 0),
    figure: () => median(xs),
  };
}

async function main(): Promise<void> {
  // Prefect first: its one-time install is the likeliest thing to fail, before anything is measured.
  if (WITH_PREFECT) prefect = await PrefectSide.start({ smoke: SMOKE, sizes: { w1: SIZE.w1, w2: SIZE.w2, w3: SIZE.w3, w4: SIZE.w4, w5: SIZE.w5 } });
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const logger = createLogger(config);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
  // Also when a failure or a signal (with --with-prefect, SIGINT and SIGTERM end in an exit) cuts the run short.
  process.once('exit', () => fs.rmSync(home, { recursive: true, force: true }));
  let target: TemporalTarget | undefined = process.env.TEMPORAL_ADDRESS ? configuredTarget() : undefined;
  if (!target) {
    target = await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() });
  }
  const suffix = Date.now().toString(36);
  const batonQueue = `bench-baton-${suffix}`;
  const rawQueue = `bench-raw-${suffix}`;
  const benchConfig = { ...config, BATON_HOME: path.join(home, 'baton') };

  const batonWorker = await createWorker({ flows: path.join(__dirname, 'baton'), target, config: benchConfig, taskQueue: batonQueue, logger });
  const rawConnection = await NativeConnection.connect(target.connectionOptions as never);
  const rawWorker = await Worker.create({
    connection: rawConnection,
    namespace: target.namespace,
    taskQueue: rawQueue,
    workflowsPath: require.resolve('./raw/workflows'),
    activities: rawActivities,
    maxConcurrentActivityTaskExecutions: config.BATON_MAX_CONCURRENT_TASKS,
    maxConcurrentWorkflowTaskExecutions: config.BATON_MAX_CONCURRENT_FLOW_TASKS,
  });
  const runningWorkers = [batonWorker.run(), rawWorker.run()];
  const baton = await BatonClient.connect({ target, dataConverter: dataConverter(benchConfig), taskQueue: batonQueue, flows: batonWorker.module.flows });
  const raw = new Client({ connection: await Connection.connect(target.connectionOptions), namespace: target.namespace });
  const server = createApp({ client: baton }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await baton.deployments.apply({ name: `bench-one-${suffix}`, flow: 'bench-one-task', taskQueue: batonQueue });
  let n = 0;
  const id = (p: string) => `${p}-${suffix}-${++n}`;

  // Warm both sides: bundles loaded, connections open, caches primed.
  await baton.flowRuns.run('bench-one-task');
  await raw.workflow.execute('rawOneTask', { taskQueue: rawQueue, workflowId: id('warm') });

  const rows: Row[] = [];
  // Each figure is printed as soon as it is measured (on stderr), so a long run shows progress.
  const record = (row: Row) => {
    rows.push(row);
    const p = row.prefect === undefined ? '' : `, Prefect ${fmt(row.prefect)}`;
    console.error(
      `# ${row.id}${row.mode ? ` [${row.mode}]` : ''} ${row.workload}: Baton ${fmt(row.baton)}, raw ${fmt(row.raw)}${p} ${row.unit}${row.note ? ` (${row.note})` : ''}`,
    );
  };
  const want = (w: string) => !ONLY || ONLY.has(w);

  // W1: REST trigger → completion, and the API's added latency over a direct start.
  if (want('W1')) {
    const post = jsonPoster();
    const batonE2e: number[] = [];
    const rawE2e: number[] = [];
    const batonStart: number[] = [];
    const rawStart: number[] = [];
    const runBaton = async () => {
      for (let i = 0; i < SIZE.w1; i++) {
        const t0 = performance.now();
        const res = await post(`${api}/api/deployments/bench-one-${suffix}/runs`, '{}');
        if (res.status !== 201) throw new Error(`W1: POST /api/deployments/bench-one-${suffix}/runs answered ${res.status}: ${res.text}`);
        const { id: runId } = JSON.parse(res.text) as { id: string };
        const t1 = performance.now();
        await baton.flowRuns.result(runId);
        batonStart.push(t1 - t0);
        batonE2e.push(performance.now() - t0);
      }
    };
    const runRaw = async () => {
      for (let i = 0; i < SIZE.w1; i++) {
        const t0 = performance.now();
        const handle = await raw.workflow.start('rawOneTask', { taskQueue: rawQueue, workflowId: id('w1') });
        const t1 = performance.now();
        await handle.result();
        rawStart.push(t1 - t0);
        rawE2e.push(performance.now() - t0);
      }
    };
    // Prefect: a served deployment, triggered over REST (its start latency: POST create_flow_run).
    const prefectE2e: number[] = [];
    const prefectStart: number[] = [];
    const runPrefect = async () => {
      const res = await prefect!.round('W1');
      prefectE2e.push(...((res.w1_samples_ms as number[] | undefined) ?? []));
      prefectStart.push(...((res.w1_create_samples_ms as number[] | undefined) ?? []));
    };
    const p = (xs: number[], f: (xs: number[]) => number) => (prefect ? f(xs) : undefined);
    for (let r = 0; r < ROUNDS; r++) for (const f of rotate(prefect ? [runBaton, runRaw, runPrefect] : [runBaton, runRaw], r)) await f();
    record({
      id: 'W1',
      workload: 'REST trigger → completion, one-task flow, p50',
      unit: 'ms',
      baton: median(batonE2e),
      raw: median(rawE2e),
      prefect: p(prefectE2e, median),
      higherIsBetter: false,
    });
    record({
      id: 'W1',
      workload: 'REST trigger → completion, p99',
      unit: 'ms',
      baton: pct(batonE2e, 99),
      raw: pct(rawE2e, 99),
      prefect: p(prefectE2e, (xs) => pct(xs, 99)),
      higherIsBetter: false,
    });
    record({
      id: 'W1',
      workload: 'start latency: POST /runs (node:http, kept-alive) vs client.workflow.start, p50',
      unit: 'ms',
      baton: median(batonStart),
      raw: median(rawStart),
      prefect: p(prefectStart, median),
      higherIsBetter: false,
      note: `API overhead p50 ${(median(batonStart) - median(rawStart)).toFixed(2)} ms, p99 ${(pct(batonStart, 99) - pct(rawStart, 99)).toFixed(2)} ms`,
    });
  }

  // W2–W4 run in both modes: tasks as activities (regular) and as local activities in the flow's
  // worker (local: the flows' `localTasks`; raw: `proxyLocalActivities`).
  const inMode = (mode: Mode): Record<ModeWorkload, () => Measured> => {
    const flowOf = (name: string) => (mode === 'local' ? `${name}-local` : name);
    const rawOf = (name: string) => (mode === 'local' ? `${name}Local` : name);
    const label = mode === 'local' ? ' (local tasks)' : '';
    return {
      // W2: a chain of sequential no-op tasks.
      W2: () => {
        const b: number[] = [];
        const rw: number[] = [];
        const runBaton = async () => {
          const t0 = performance.now();
          await baton.flowRuns.run(flowOf('bench-chain'), { n: SIZE.w2 });
          b.push((performance.now() - t0) / SIZE.w2);
        };
        const runRaw = async () => {
          const t0 = performance.now();
          await raw.workflow.execute(rawOf('rawChain'), { taskQueue: rawQueue, workflowId: id('w2'), args: [SIZE.w2] });
          rw.push((performance.now() - t0) / SIZE.w2);
        };
        return {
          sides: [runBaton, runRaw],
          discard: () => ((b.length = 0), (rw.length = 0)),
          record: (prefect) =>
            record({
              id: 'W2',
              mode,
              workload: `chain of ${SIZE.w2} sequential tasks, per step${label}`,
              unit: 'ms',
              baton: median(b),
              raw: median(rw),
              prefect,
              higherIsBetter: false,
            }),
        };
      },
      // W3: one flow mapping no-op tasks.
      W3: () => {
        const b: number[] = [];
        const rw: number[] = [];
        const runBaton = async () => {
          const t0 = performance.now();
          await baton.flowRuns.run(flowOf('bench-map'), { n: SIZE.w3 });
          b.push(SIZE.w3 / ((performance.now() - t0) / 1000));
        };
        const runRaw = async () => {
          const t0 = performance.now();
          await raw.workflow.execute(rawOf('rawMap'), { taskQueue: rawQueue, workflowId: id('w3'), args: [SIZE.w3] });
          rw.push(SIZE.w3 / ((performance.now() - t0) / 1000));
        };
        return {
          sides: [runBaton, runRaw],
          discard: () => ((b.length = 0), (rw.length = 0)),
          record: (prefect) =>
            record({
              id: 'W3',
              mode,
              workload: `one flow mapping ${SIZE.w3} tasks${label}`,
              unit: 'tasks/s',
              baton: median(b),
              raw: median(rw),
              prefect,
              higherIsBetter: true,
            }),
        };
      },
      // W4: concurrent flows of 10 sequential tasks each.
      W4: () => {
        const b: number[] = [];
        const rw: number[] = [];
        const runBaton = async () => {
          const t0 = performance.now();
          const handles = await Promise.all(Array.from({ length: SIZE.w4 }, () => baton.flowRuns.start(flowOf('bench-ten'))));
          await Promise.all(handles.map((h) => h.result()));
          b.push(SIZE.w4 / ((performance.now() - t0) / 1000));
        };
        const runRaw = async () => {
          const t0 = performance.now();
          const handles = await Promise.all(Array.from({ length: SIZE.w4 }, () => raw.workflow.start(rawOf('rawTen'), { taskQueue: rawQueue, workflowId: id('w4') })));
          await Promise.all(handles.map((h) => h.result()));
          rw.push(SIZE.w4 / ((performance.now() - t0) / 1000));
        };
        return {
          sides: [runBaton, runRaw],
          discard: () => ((b.length = 0), (rw.length = 0)),
          record: (prefect) =>
            record({
              id: 'W4',
              mode,
              workload: `${SIZE.w4} concurrent flows × 10 tasks${label}`,
              unit: 'flows/s',
              baton: median(b),
              raw: median(rw),
              prefect,
              higherIsBetter: true,
            }),
        };
      },
    };
  };
  const modeWorkloads = ['W2', 'W3', 'W4'] as const;
  if (prefect) {
    // Workload by workload: both modes' Baton and raw sides and Prefect's turn in one rotation per
    // round, so that a change in the machine's load hits all of them alike.
    const prefectKeys = { W2: 'w2_samples', W3: 'w3_samples', W4: 'w4_samples' };
    for (const w of modeWorkloads) {
      if (!want(w)) continue;
      const measured = MODES.map((mode) => inMode(mode)[w]());
      const turns = prefectTurns(w, prefectKeys[w]);
      await interleave([...measured.flatMap((m) => m.sides), turns.run], () => {
        for (const m of measured) m.discard();
        turns.discard();
      });
      for (const m of measured) m.record(turns.figure());
    }
  } else {
    for (const mode of MODES) {
      for (const w of modeWorkloads) {
        if (!want(w)) continue;
        const m = inMode(mode)[w]();
        await interleave(m.sides, m.discard);
        m.record();
      }
    }
  }

  // W5: worker memory with many flows waiting (Baton: approval(); raw: condition() on a signal).
  // Each side's growth is measured from where the process stood just before it (RSS rarely
  // shrinks, so a side measured later may reuse memory an earlier one freed: only the first
  // side's figure, Baton's unless --w5-raw-first, is not flattered that way).
  const waitLimitMs = (SMOKE ? 2 : 20) * 60_000;
  /** Starts SIZE.w5 runs of a flow that waits for an approval; measures; then lets them end. */
  const batonWaiting = async (flowName: string) => {
    const before = gcAndMeasure();
    const ids = await Promise.all(Array.from({ length: SIZE.w5 }, async () => (await baton.flowRuns.start(flowName)).id));
    for (const t0 = Date.now(); ;) {
      const page = await baton.approvals.list({ flow: flowName, pageSize: 1_000 });
      if (page.approvals.length >= SIZE.w5) break;
      if (Date.now() - t0 > waitLimitMs) throw new Error(`W5: ${page.approvals.length} of ${SIZE.w5} ${flowName} runs waiting after ${waitLimitMs / 1000} s`);
      await sleep(200);
    }
    const loaded = gcAndMeasure();
    // Decided a hundred at a time: what is measured is above; this only lets the runs end.
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((runId) => baton.approvals.decide(runId, 'go', { decision: 'approve' }, 'bench')));
    }
    await Promise.all(ids.map((runId) => baton.flowRuns.result(runId)));
    return { before, heap: ((loaded.heap - before.heap) * 1024) / SIZE.w5, rss: ((loaded.rss - before.rss) * 1024) / SIZE.w5 };
  };
  if (want('W5')) {
    const rawFirst = values['w5-raw-first'];
    let b = rawFirst ? undefined : await batonWaiting('bench-wait');
    const between = gcAndMeasure();
    const rawHandles = await Promise.all(Array.from({ length: SIZE.w5 }, () => raw.workflow.start('rawWait', { taskQueue: rawQueue, workflowId: id('w5') })));
    // Every raw workflow has completed its first workflow task once it answers a query.
    await Promise.all(rawHandles.map((h) => h.query('__stack_trace')));
    const rawLoaded = gcAndMeasure();
    await Promise.all(rawHandles.map((h) => h.signal('go')));
    await Promise.all(rawHandles.map((h) => h.result()));
    b ??= await batonWaiting('bench-wait');
    // Prefect's turn comes last: its flows wait in a Python process of their own (see its note).
    const prefectW5: PrefectResult | undefined = prefect ? await prefect.round('W5') : undefined;
    const perRaw = ((rawLoaded.heap - between.heap) * 1024) / SIZE.w5;
    const rssRaw = ((rawLoaded.rss - between.rss) * 1024) / SIZE.w5;
    record({
      id: 'W5',
      workload: `${SIZE.w5} flows waiting: worker JS heap per waiting flow`,
      unit: 'KiB',
      baton: b.heap,
      raw: perRaw,
      prefect: prefect ? NaN : undefined,
      higherIsBetter: false,
      note: `baseline heap ${b.before.heap.toFixed(1)} MB, rss ${b.before.rss.toFixed(0)} MB`,
    });
    const p = prefectW5?.w5_rss_kib_per_flow;
    record({
      id: 'W5',
      workload: `${SIZE.w5} flows waiting: worker process RSS per waiting flow`,
      unit: 'KiB',
      baton: b.rss,
      raw: rssRaw,
      prefect: prefect ? (typeof p === 'number' ? p : NaN) : undefined,
      higherIsBetter: false,
      note: rawFirst ? 'Baton is measured after raw, in memory raw may have freed' : 'raw is measured after Baton, in memory Baton may have freed',
    });
  }
  // W5z (with --only W5z, in a process of its own; and in --smoke): the same waiting flow in a
  // module that imports zod, which each run evaluates for itself, as a raw Temporal workflow
  // whose bundle imports zod does (its own worker, on a queue of its own).
  if (ONLY?.has('W5z') || (SMOKE && !ONLY)) {
    const z = await batonWaiting('bench-wait-zod');
    const zodQueue = `${rawQueue}-zod`;
    const zodWorker = await Worker.create({
      connection: rawConnection,
      namespace: target.namespace,
      taskQueue: zodQueue,
      workflowsPath: require.resolve('./raw/zod-workflows'),
      maxConcurrentWorkflowTaskExecutions: config.BATON_MAX_CONCURRENT_FLOW_TASKS,
    });
    const zodRunning = zodWorker.run();
    const between = gcAndMeasure();
    const handles = await Promise.all(
      Array.from({ length: SIZE.w5 }, () => raw.workflow.start('rawWaitZod', { taskQueue: zodQueue, workflowId: id('w5z'), args: [{}] })),
    );
    await Promise.all(handles.map((h) => h.query('__stack_trace')));
    const loaded = gcAndMeasure();
    await Promise.all(handles.map((h) => h.signal('go')));
    await Promise.all(handles.map((h) => h.result()));
    zodWorker.shutdown();
    await zodRunning;
    record({
      id: 'W5z',
      workload: `${SIZE.w5} flows waiting, their module importing zod: worker process RSS per waiting flow`,
      unit: 'KiB',
      baton: z.rss,
      raw: ((loaded.rss - between.rss) * 1024) / SIZE.w5,
      higherIsBetter: false,
      note: `JS heap ${z.heap.toFixed(1)} KiB per waiting flow; raw is measured after Baton, in memory Baton may have freed`,
    });
  }

  // W7/W8: maps past one workflow's limits. Baton shards on its own; the raw side is what a
  // Temporal user writes by hand: child workflows of SHARD items, SHARDS_AT_ONCE at a time.
  const bigMap = async (n: number, rounds: number, id7: string, label: string, mode: Mode, withRaw = true) => {
    const b: number[] = [];
    const rw: number[] = [];
    const peak = { baton: 0, raw: 0 };
    const sampled = async (side: 'baton' | 'raw', work: () => Promise<unknown>) => {
      const timer = setInterval(() => (peak[side] = Math.max(peak[side], process.memoryUsage().rss / 2 ** 20)), 250);
      try {
        await work();
      } finally {
        clearInterval(timer);
      }
    };
    const runBaton = () =>
      sampled('baton', async () => {
        const t0 = performance.now();
        await baton.flowRuns.run(mode === 'local' ? 'bench-big-map-local' : 'bench-big-map', { n, shardSize: SMOKE ? SHARD : undefined });
        b.push(n / ((performance.now() - t0) / 1000));
      });
    const runRaw = () =>
      sampled('raw', async () => {
        const t0 = performance.now();
        await raw.workflow.execute('rawBigMap', { taskQueue: rawQueue, workflowId: id(id7), args: [n, SHARD, SHARDS_AT_ONCE, mode === 'local'] });
        rw.push(n / ((performance.now() - t0) / 1000));
      });
    for (let r = 0; r < rounds; r++) for (const f of withRaw ? (r % 2 ? [runRaw, runBaton] : [runBaton, runRaw]) : [runBaton]) await f();
    record({
      id: id7.toUpperCase(),
      mode,
      workload: `one flow mapping ${n.toLocaleString('en')} tasks (${label}${mode === 'local' ? ', local tasks' : ''})`,
      unit: 'tasks/s',
      baton: median(b),
      raw: median(rw),
      higherIsBetter: true,
      note: withRaw
        ? `${n.toLocaleString('en')} items in ${(n / median(b)).toFixed(1)} s (raw ${(n / median(rw)).toFixed(1)} s); peak RSS of the bench process: Baton ${peak.baton.toFixed(0)} MB, raw ${peak.raw.toFixed(0)} MB`
        : `${n.toLocaleString('en')} items in ${(n / median(b)).toFixed(1)} s; peak RSS of the bench process ${peak.baton.toFixed(0)} MB`,
    });
  };
  for (const mode of MODES) {
    if (want('W7')) await bigMap(SIZE.w7, ROUNDS, 'w7', 'sharded', mode);
    // W8 is long (minutes): one round, Baton only (W7 compares the same pattern with raw Temporal).
    if (want('W8')) await bigMap(SIZE.w8, 1, 'w8', 'sharded, one round, Baton only', mode, false);
  }

  // W6: the machine's SQLite commit rate (the floor under W2–W4 on the embedded server).
  let sqlite = '';
  if (want('W6')) {
    const db = path.join(home, 'commit-rate.db');
    const commits = SMOKE ? 50 : 2_000;
    const script = `
import sqlite3, time, sys
db, n = sys.argv[1], int(sys.argv[2])
out = []
for sync in ('FULL', 'NORMAL'):
    c = sqlite3.connect(db, isolation_level=None)
    c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA synchronous=' + sync)
    c.execute('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
    t = time.perf_counter()
    for i in range(n):
        c.execute('BEGIN'); c.execute('INSERT INTO t VALUES (?)', (i,)); c.execute('COMMIT')
    out.append('%s=%.0f' % (sync, n / (time.perf_counter() - t)))
    c.close()
print(' '.join(out))`;
    sqlite = execFileSync('python3', ['-c', script, db, String(commits)], { encoding: 'utf8' }).trim();
  }

  // Report.
  const sizes = `${ROUNDS} round(s)${SMOKE ? ', smoke sizes' : ''}, medians`;
  if (prefect) printWithPrefect(rows, sizes, `Prefect ${prefect.version}`);
  else printBatonVsRaw(rows, sizes);
  for (const r of rows) if (r.note) console.log(`${r.id}: ${r.note}`);
  for (const note of prefect?.notes() ?? []) console.log(note);
  if (sqlite) console.log(`W6: SQLite commits/s on this disk (WAL): ${sqlite}`);
  console.log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`);
  if (values.json) console.log(`JSON:${JSON.stringify(rows)}`);

  server.close();
  // The deployment's task queue has no worker once this ends: leave nothing behind on a shared server.
  await baton.deployments.delete(`bench-one-${suffix}`).catch((err: unknown) => console.error(`deleting bench-one-${suffix}: ${String(err)}`));
  await batonWorker.shutdown();
  rawWorker.shutdown();
  await Promise.all(runningWorkers);
  await baton.close();
  await raw.connection.close();
  await target.devServer?.stop();
  fs.rmSync(home, { recursive: true, force: true });
  if (prefect?.errors.size) {
    process.exitCode = 1;
    console.error(`Prefect failed on ${[...prefect.errors.keys()].join(', ')}; see above`);
  }
}

// Prefect's server is stopped on every way out (bench/prefect-server.ts also stops it on a signal).
const stopPrefect = () => prefect?.stop().catch((err: unknown) => console.error(`stopping Prefect's server: ${String(err)}`));
main().then(
  async () => {
    await stopPrefect();
    process.exit(process.exitCode ?? 0);
  },
  async (err) => {
    console.error(err);
    await stopPrefect();
    process.exit(1);
  },
);
