// Where a one-task Baton flow run's time goes, against the same flow in raw Temporal: runs each a
// few times (started directly, no API), then prints the median gap between consecutive history
// events of the last run of each, and the median time from start to result.
// Usage: npx tsx bench/probe-w1.ts [runs]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';
import { createLogger } from '../src/workers/logger';
import { createWorker } from '../src/workers/worker';
import * as rawActivities from './raw/activities';

const E = temporal.api.enums.v1.EventType;
type Events = temporal.api.history.v1.IHistoryEvent[];

function timeline(label: string, events: Events): void {
  const at = (e: Events[number]) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
  console.log(`\n${label}: ${events.length} events, ${(at(events[events.length - 1]!) - at(events[0]!)).toFixed(1)} ms first → last`);
  for (let i = 1; i < events.length; i++) {
    const e = events[i]!;
    const what = String(E[e.eventType!]).replace('EVENT_TYPE_', '');
    const detail = e.markerRecordedEventAttributes?.markerName ?? e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
    console.log(`  +${(at(e) - at(events[i - 1]!)).toFixed(1).padStart(6)} ms  ${what}${detail ? ` (${detail})` : ''}`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

(async () => {
  const runs = Number(process.argv[2] ?? 30);
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error', BATON_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'probe-w1-')) });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort() });
  const worker = await createWorker({ flows: path.join(__dirname, 'baton'), target, config, taskQueue: 'probe-baton', logger: createLogger(config) });
  const rawWorker = await Worker.create({
    connection: await NativeConnection.connect(target.connectionOptions as never),
    taskQueue: 'probe-raw',
    workflowsPath: require.resolve('./raw/workflows'),
    activities: rawActivities,
  });
  const running = [worker.run(), rawWorker.run()];
  const baton = await BatonClient.connect({ target, dataConverter: dataConverter(config), taskQueue: 'probe-baton', flows: worker.module.flows });
  const raw = new Client({ connection: await Connection.connect(target.connectionOptions) });
  const batonTimes: number[] = [];
  const rawTimes: number[] = [];
  let lastBaton = '';
  let lastRaw = '';
  console.error('# worker and client ready');
  for (let i = 0; i < runs; i++) {
    if (i === 0) console.error('# first run');
    let t0 = performance.now();
    const run = await baton.flowRuns.start('bench-one-task', {});
    await baton.flowRuns.result(run.id);
    batonTimes.push(performance.now() - t0);
    lastBaton = run.id;
    t0 = performance.now();
    lastRaw = `probe-raw-${Date.now()}-${i}`;
    await raw.workflow.execute('rawOneTask', { taskQueue: 'probe-raw', workflowId: lastRaw });
    rawTimes.push(performance.now() - t0);
  }
  console.log(`start → result, median of ${runs}: Baton ${median(batonTimes).toFixed(1)} ms, raw ${median(rawTimes).toFixed(1)} ms`);
  timeline('Baton (last run)', (await baton.temporal.workflow.getHandle(lastBaton).fetchHistory()).events ?? []);
  timeline('raw (last run)', (await raw.workflow.getHandle(lastRaw).fetchHistory()).events ?? []);
  // Cleanup has a time limit: the figures are printed, and the dev server is stopped whatever happens.
  const cleanup = (async () => {
    await worker.shutdown();
    rawWorker.shutdown();
    await Promise.all(running);
    await baton.close();
  })();
  await Promise.race([cleanup, new Promise((r) => setTimeout(r, 10_000).unref())]);
  await target.devServer?.stop();
  process.exit(0);
})();
