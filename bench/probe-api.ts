// Where the API's start latency goes: the same one-task flow started N times, sequentially, four
// ways: POST /api/deployments/{name}/runs, the client's deployments.run, the client's
// flowRuns.start, and a raw client.workflow.start. Prints the median and p90 of each; with
// `node --cpu-prof --import tsx bench/probe-api.ts`, the profile shows what the API path spends.
// Runs are not awaited: only the start is timed. Usage: npx tsx bench/probe-api.ts [n]
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../src/api/app';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';
import { loadModule } from '../src/workers/load-module';
import { jsonPoster } from './http-post';

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${s[s.length >> 1]!.toFixed(2)} ms, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(2)} ms`;
};

(async () => {
  const n = Number(process.argv[2] ?? 300);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-api-'));
  const config = loadConfig({ ...process.env, BATON_LOG_LEVEL: 'error', BATON_HOME: home });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort() });
  const queue = `probe-api-${Date.now().toString(36)}`;
  const baton = await BatonClient.connect({ target, dataConverter: dataConverter(config), taskQueue: queue, flows: loadModule(path.join(__dirname, 'baton')).flows });
  const raw = new Client({ connection: await Connection.connect(target.connectionOptions), namespace: target.namespace });
  const server = createApp({ client: baton }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  // The API's own share: from the request's arrival to the last byte of its answer.
  const served: number[] = [];
  server.prependListener('request', (_req, res) => {
    const t0 = performance.now();
    res.once('finish', () => served.push(performance.now() - t0));
  });
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await baton.deployments.apply({ name: 'probe-one', flow: 'bench-one-task', taskQueue: queue });
  let k = 0;
  const post = jsonPoster();
  const ways: Record<string, () => Promise<unknown>> = {
    'POST …/runs (node:http, keep-alive)': async () => {
      const res = await post(`${api}/api/deployments/probe-one/runs`, '{}');
      if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${res.text}`);
      return JSON.parse(res.text);
    },
    'POST …/runs (fetch)': async () => {
      const res = await fetch(`${api}/api/deployments/probe-one/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    'deployments.run': () => baton.deployments.run('probe-one'),
    'flowRuns.start': () => baton.flowRuns.start('bench-one-task'),
    'raw workflow.start': () => raw.workflow.start('rawOneTask', { taskQueue: queue, workflowId: `probe-raw-${++k}` }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
  for (let i = 0; i < n + 20; i++) {
    for (const [w, start] of Object.entries(ways)) {
      const t0 = performance.now();
      await start();
      if (i >= 20) times[w]!.push(performance.now() - t0);
    }
  }
  for (const [w, xs] of Object.entries(times)) console.log(`${w.padEnd(40)} ${stats(xs)}`);
  console.log(`${"  the API's share of both POSTs".padEnd(40)} ${stats(served.slice(-2 * n))}`);
  server.close();
  await baton.close();
  await raw.connection.close();
  await target.devServer?.stop();
  fs.rmSync(home, { recursive: true, force: true });
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
