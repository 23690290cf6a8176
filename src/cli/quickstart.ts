/**
 * `baton start` (what `npm start` runs): brings up the embedded Temporal server, a worker for the
 * examples and the REST API with the approvals page, runs the quickstart flow once, prints its
 * result, state, task runs and where to look (the Web UI, the API, the approvals page), then keeps
 * everything running until Ctrl-C (or exits after the run with `--once`).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dataConverter, loadConfig, openCacheStore } from '../config';
import { BatonClient } from '../client/client';
import { startApi } from '../api/server';
import { openRunLogStore } from '../run-logs/run-log-store';
import { resolveTemporal } from '../server/temporal-server';
import { createWorker } from '../workers/worker';
import { createLogger } from '../workers/logger';
import { say } from './output';

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
  const target = await resolveTemporal(config, say);
  // Stopped in reverse order of starting; the Temporal server last.
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const worker = await createWorker({ flows: path.join(EXAMPLES, 'index.ts'), target, config, logger });
    const running = worker.run();
    stops.unshift(() => worker.shutdown());
    const client = await BatonClient.connect({ target, dataConverter: dataConverter(config), taskQueue: worker.taskQueue, flows: worker.module.flows });
    stops.unshift(() => client.close());
    // The API comes up before the run, so a busy port fails at once. `--once` serves nothing.
    let apiUrl: string | undefined;
    if (!values.once) {
      const cache = await openCacheStore(config, logger);
      stops.unshift(async () => cache.close?.());
      // Keyless, it listens on loopback only (startApi refuses anything else without BATON_API_KEYS).
      const runLogs = await openRunLogStore(config, logger);
      if (runLogs) stops.unshift(() => runLogs.close());
      const api = await startApi({ client, cache, config, logger, runLogs });
      stops.unshift(() => api.close());
      apiUrl = api.url;
    }

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

    say(`\nserving until Ctrl-C:`);
    say(`  Temporal   ${target.address}`);
    if (target.webUiUrl) say(`  Web UI     ${target.webUiUrl}`);
    say(`  API        ${apiUrl}/api/flow-runs (docs ${apiUrl}/api/docs)`);
    say(`  Baton UI   ${apiUrl}/ui/runs`);
    say(`  approvals  ${apiUrl}/approvals`);
    say(`  worker     task queue '${worker.taskQueue}'`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      void running.then(resolve, resolve);
    });
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await target.devServer?.stop();
  }
}
