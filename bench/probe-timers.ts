// Per-timer cost of a chain of short durable timers (the timer queue reader shares the transfer
// queue's read-rate limit, history.timerProcessorMaxPollRPS = 20 by default; see bench/FIXED-WAIT.md).
// Usage: npx tsx bench/probe-timers.ts [timers] [ms per timer] ['{"dynamic.config":value}']
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';

(async () => {
  const timers = Number(process.argv[2] ?? 100);
  const ms = Number(process.argv[3] ?? 10);
  const extra = JSON.parse(process.argv[4] ?? '{}');
  const config = loadConfig({ ...process.env, BATON_HOME: fs.mkdtempSync('/tmp/probe-') });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort(), dynamicConfig: extra });
  const conn = await NativeConnection.connect({ address: target.address });
  const worker = await Worker.create({ connection: conn, taskQueue: 't', workflowsPath: require.resolve('./probe-timers/workflows') });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: target.address }) });
  await client.workflow.execute('timerChain', { taskQueue: 't', workflowId: 'warm', args: [3, ms] });
  const t0 = performance.now();
  await client.workflow.execute('timerChain', { taskQueue: 't', workflowId: 'chain', args: [timers, ms] });
  console.log(`${JSON.stringify(extra)} ${timers} timers of ${ms} ms: ms/timer ${((performance.now() - t0) / timers).toFixed(1)}`);
  worker.shutdown();
  await running;
  await target.devServer?.stop();
})();
