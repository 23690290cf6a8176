/**
 * `baton start` (what `npm start` runs): brings up the embedded Temporal server and a worker for
 * the examples, runs the quickstart flow once, prints its result, state, task runs and the Web UI
 * link, then keeps the server and worker running until Ctrl-C (or exits with `--once`).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { BatonClient } from '../client/client';
import { resolveTemporal } from '../server/temporal-server';
import { createWorker } from '../workers/worker';
import { createLogger } from '../workers/logger';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

export async function runQuickstart(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { once: { type: 'boolean', default: false }, count: { type: 'string', default: '10' } },
    strict: true,
  });
  const config = loadConfig();
  // A terminal gets readable logs, and only warnings from the worker so the result stands out.
  const logger = createLogger({
    BATON_LOG_FORMAT: process.env.BATON_LOG_FORMAT ? config.BATON_LOG_FORMAT : process.stdout.isTTY ? 'pretty' : 'json',
    BATON_LOG_LEVEL: process.env.BATON_LOG_LEVEL ? config.BATON_LOG_LEVEL : 'warn',
  });
  const say = (line: string) => console.log(line);
  const target = await resolveTemporal(config, say);
  const worker = await createWorker({ flows: path.join(EXAMPLES, 'index.ts'), target, config, logger });
  const running = worker.run();
  const client = await BatonClient.connect({ target, taskQueue: worker.taskQueue, flows: worker.module.flows });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.shutdown().catch(() => undefined);
    await client.close().catch(() => undefined);
    await target.devServer?.stop();
  };
  try {
    say(`\nworker polling task queue '${worker.taskQueue}' with flows: ${worker.module.flows.map((f) => f.flowName).join(', ')}`);
    const handle = await client.flowRuns.start('quickstart', { count: Number(values.count) });
    say(`started flow run ${handle.id} (${handle.runName})`);
    const result = await handle.result();
    const info = await handle.describe();
    say(`\nresult: ${JSON.stringify(result)}`);
    say(`state:  ${info.state} in ${info.durationMs} ms`);
    say(`tasks:  ${info.taskRuns.map((t) => `${t.runName ?? t.name} ${t.state}`).join(', ')}`);
    if (info.webUrl) say(`web ui: ${info.webUrl}`);
    if (values.once) return;
    say(`\nTemporal ${target.address} and the worker keep running; Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      void running.then(resolve, resolve);
    });
  } finally {
    await stop();
  }
}
