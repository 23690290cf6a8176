import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import { loadConfig } from '../../src/config';
import { freePort, startDevServer } from '../../src/server/temporal-server';
import * as rawActivities from '../raw/activities';
(async () => {
  const config = loadConfig({ ...process.env, BATON_HOME: fs.mkdtempSync('/tmp/probe-') });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort() });
  const conn = await NativeConnection.connect({ address: target.address });
  const worker = await Worker.create({
    connection: conn,
    taskQueue: 'p',
    workflowsPath: require.resolve('./workflows'),
    activities: rawActivities,
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 40,
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: target.address }) });
  const variants = JSON.parse(process.argv[2]!) as [number, number, number, number][];
  let k = 0;
  for (const [n, size, parallel, inflight] of variants) {
    const t0 = performance.now();
    await client.workflow.execute('big', { taskQueue: 'p', workflowId: `b${k++}`, args: [n, size, parallel, inflight] });
    const s = (performance.now() - t0) / 1000;
    console.log(`n=${n} size=${size} parallel=${parallel} inflight=${inflight}: ${(n / s).toFixed(0)} tasks/s (${s.toFixed(1)} s)`);
  }
  worker.shutdown();
  await running;
  await target.devServer?.stop();
})();
