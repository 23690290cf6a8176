// Where a sequential chain's time goes: runs a raw chain and prints the median gap between
// consecutive kinds of history events (e.g. activity completed → next workflow task started).
// Usage: npx tsx bench/probe-gaps.ts [steps] ['{"dynamic.config":value}'] ['{"workerOption":value}']
// e.g. the transfer queue's read rate (see bench/FIXED-WAIT.md):
//   npx tsx bench/probe-gaps.ts 100 '{"history.transferProcessorMaxPollRPS":1000}'
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';
import * as rawActivities from './raw/activities';

(async () => {
  const steps = Number(process.argv[2] ?? 50);
  const extra = JSON.parse(process.argv[3] ?? '{}');
  const workerOptions = JSON.parse(process.argv[4] ?? '{}');
  const config = loadConfig({ ...process.env, BATON_HOME: fs.mkdtempSync('/tmp/probe-') });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort(), dynamicConfig: extra });
  const conn = await NativeConnection.connect({ address: target.address });
  const worker = await Worker.create({
    connection: conn,
    taskQueue: 'p',
    workflowsPath: require.resolve('./raw/workflows'),
    activities: rawActivities,
    ...workerOptions,
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: target.address }) });
  await client.workflow.execute('rawChain', { taskQueue: 'p', workflowId: 'warm', args: [3] });
  const t0 = performance.now();
  await client.workflow.execute('rawChain', { taskQueue: 'p', workflowId: 'chain', args: [steps] });
  console.log(`${JSON.stringify(extra)} ${JSON.stringify(workerOptions)} ms/step ${((performance.now() - t0) / steps).toFixed(1)}`);
  const events = (await client.workflow.getHandle('chain').fetchHistory()).events ?? [];
  const gaps = new Map<string, number[]>();
  const name = (t: unknown) => String(t).replace('EVENT_TYPE_', '');
  const E = temporal.api.enums.v1.EventType;
  const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
  for (let i = 1; i < events.length; i++) {
    const key = `${name(E[events[i - 1].eventType!])} → ${name(E[events[i].eventType!])}`;
    gaps.set(key, [...(gaps.get(key) ?? []), at(events[i]) - at(events[i - 1])]);
  }
  // The server's queue readers are token buckets whose burst hides a per-step wait at first, so the
  // chain's second half shows the steady state.
  const scheduled = events.filter((e) => e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map(at);
  const half = scheduled.slice(scheduled.length >> 1);
  if (half.length > 1) console.log(`second half ms/step ${((half[half.length - 1]! - half[0]!) / (half.length - 1)).toFixed(1)}`);
  for (const [key, list] of gaps) {
    list.sort((a, b) => a - b);
    console.log(`${key.padEnd(70)} n=${String(list.length).padStart(4)} median ${list[list.length >> 1].toFixed(2)} ms  max ${list[list.length - 1].toFixed(2)} ms`);
  }
  worker.shutdown();
  await running;
  await target.devServer?.stop();
})();
