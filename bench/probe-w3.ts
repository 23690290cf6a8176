// W3 under the microscope: one Baton map of N no-op tasks and the same map with the raw SDK, each
// alone on the server, with the history each left (events by type, workflow tasks, time spent in
// workflow tasks). Usage: npx tsx bench/probe-w3.ts [n] [rounds] [baton|raw|both]
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

async function summarize(client: Client, workflowId: string, ms: number, n: number): Promise<string> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const counts = new Map<string, number>();
  const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
  let inTasks = 0;
  let waitingForTask = 0;
  let started = 0;
  let scheduled = 0;
  for (let i = 0; i < events.length; i++) {
    const type = String(E[events[i].eventType!]).replace('EVENT_TYPE_', '');
    counts.set(type, (counts.get(type) ?? 0) + 1);
    const failed = events[i].workflowTaskFailedEventAttributes;
    if (failed) console.log(`  workflow task failed: ${temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause!]} ${failed.failure?.message ?? ''}`);
    if (type === 'WORKFLOW_TASK_SCHEDULED') scheduled = at(events[i]);
    if (type === 'WORKFLOW_TASK_STARTED') {
      started = at(events[i]);
      waitingForTask += started - scheduled;
    }
    if (type === 'WORKFLOW_TASK_COMPLETED') inTasks += at(events[i]) - started;
  }
  const wft = counts.get('WORKFLOW_TASK_COMPLETED') ?? 0;
  return `${workflowId}: ${(n / (ms / 1000)).toFixed(0)} tasks/s, ${events.length} events, ${wft} workflow tasks, ${inTasks.toFixed(0)} ms in them, ${waitingForTask.toFixed(0)} ms waiting for them; ${[...counts].map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

(async () => {
  const n = Number(process.argv[2] ?? 1000);
  const rounds = Number(process.argv[3] ?? 2);
  const which = process.argv[4] ?? 'both';
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-probe-'));
  const target = await startDevServer({ config: { ...config, BATON_HOME: home }, port: await freePort(), uiPort: await freePort() });
  const batonWorker = await createWorker({
    flows: path.join(__dirname, 'baton'),
    target,
    config: { ...config, BATON_HOME: path.join(home, 'baton') },
    taskQueue: 'pb',
    logger: createLogger(config),
  });
  const rawWorker = await Worker.create({
    connection: await NativeConnection.connect(target.connectionOptions as never),
    namespace: target.namespace,
    taskQueue: 'pr',
    workflowsPath: require.resolve('./raw/workflows'),
    activities: rawActivities,
    maxConcurrentActivityTaskExecutions: config.BATON_MAX_CONCURRENT_TASKS,
    maxConcurrentWorkflowTaskExecutions: config.BATON_MAX_CONCURRENT_FLOW_TASKS,
    // RAW_CODEC=1: the raw worker with Baton's data converter (its large-payload codec).
    ...(process.env.RAW_CODEC ? { dataConverter: dataConverter({ ...config, BATON_HOME: home }) } : {}),
  });
  const running = [batonWorker.run(), rawWorker.run()];
  const baton = await BatonClient.connect({ target, dataConverter: dataConverter({ ...config, BATON_HOME: home }), taskQueue: 'pb', flows: batonWorker.module.flows });
  const raw = new Client({
    connection: await Connection.connect(target.connectionOptions),
    namespace: target.namespace,
    ...(process.env.RAW_CODEC ? { dataConverter: dataConverter({ ...config, BATON_HOME: home }) } : {}),
  });
  await baton.flowRuns.run('bench-map', { n: 10 });
  await raw.workflow.execute('rawMap', { taskQueue: 'pr', workflowId: 'warm', args: [10] });
  for (let r = 0; r < rounds; r++) {
    if (which !== 'raw') {
      const t0 = performance.now();
      const handle = await baton.flowRuns.start('bench-map', { n });
      await baton.flowRuns.result(handle.id);
      console.log('baton', await summarize(raw, handle.id, performance.now() - t0, n));
    }
    if (which !== 'baton') {
      const t0 = performance.now();
      await raw.workflow.execute('rawMap', { taskQueue: 'pr', workflowId: `raw-${r}`, args: [n] });
      console.log('raw  ', await summarize(raw, `raw-${r}`, performance.now() - t0, n));
    }
  }
  batonWorker.shutdown();
  rawWorker.shutdown();
  await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 10_000))]);
  await target.devServer?.stop();
  process.exit(0);
})();
