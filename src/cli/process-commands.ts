/**
 * Long-running commands: `baton server start` (embedded Temporal + API + a worker), `baton api
 * start`, `baton worker start`, `baton server install`.
 */
import path from 'node:path';
import { BatonClient } from '../client/client';
import { dataConverter, loadConfig, openCacheStore, type BatonConfig } from '../config';
import { parseApiKeys } from '../api/auth';
import { startApi } from '../api/server';
import { resolveTemporal } from '../server/temporal-server';
import { cliVersion, locateTemporalCli } from '../server/temporal-cli';
import { locateTemporalServer, TEMPORAL_SERVER_VERSION } from '../server/temporal-cluster';
import { createWorker } from '../workers/worker';
import { mcpHealthProbe } from '../mcp/mcp-health';
import { loadMcpServers } from '../mcp/mcp-servers';
import { loadModule } from '../workers/load-module';
import { openRunLogStore } from '../run-logs/run-log-store';
import { createLogger } from '../workers/logger';
import { processTracing, tracingClientInterceptors } from '../tracing/tracing';
import { parse, positiveInt, str, UsageError, type Parsed } from './args';
import { startHealthFile } from './health-file';
import { say, complain } from './output';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

function flowsModule(values: Parsed['values'], config: BatonConfig, fallback?: string): string {
  const flows = str(values, 'flows') ?? config.BATON_FLOWS ?? fallback;
  if (!flows) throw new UsageError('--flows <module> is required (or set BATON_FLOWS)');
  return flows;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export async function serverInstall(args: string[]): Promise<number> {
  const { values } = parse(args, { cluster: { type: 'boolean' } });
  const config = loadConfig();
  if (values.cluster) {
    const build = await locateTemporalServer({ cacheDir: config.BATON_TEMPORAL_CLI_CACHE, log: (l) => complain(l) });
    say(path.dirname(build.server));
    complain(`temporal-server ${TEMPORAL_SERVER_VERSION}, temporal-sql-tool and the PostgreSQL schema`);
    return 0;
  }
  const binary = await locateTemporalCli({ cacheDir: config.BATON_TEMPORAL_CLI_CACHE, log: (l) => complain(l) });
  say(binary);
  complain(cliVersion(binary));
  return 0;
}

/**
 * Runs any of: the Temporal dev server (unless TEMPORAL_ADDRESS is set), a worker, the API.
 * Everything is checked before anything starts; everything stops on SIGINT/SIGTERM.
 */
async function runProcesses(args: string[], parts: { worker: boolean; api: boolean; defaultFlows?: string }): Promise<number> {
  const { values } = parse(args, {
    flows: { type: 'string' },
    'task-queue': { type: 'string' },
    concurrency: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
  });
  const config = loadConfig();
  const flows = flowsModule(values, config, parts.defaultFlows);
  const taskQueue = str(values, 'task-queue');
  const maxConcurrentTasks = positiveInt(values, 'concurrency');
  const apiConfig = {
    BATON_API_HOST: str(values, 'host') ?? config.BATON_API_HOST,
    BATON_API_PORT: positiveInt(values, 'port') ?? config.BATON_API_PORT,
    BATON_API_KEYS: config.BATON_API_KEYS,
    BATON_API_TEMPORAL_WAIT_SECONDS: config.BATON_API_TEMPORAL_WAIT_SECONDS,
    BATON_CODEC_ORIGINS: config.BATON_CODEC_ORIGINS,
    BATON_WEB_UI_URL: config.BATON_WEB_UI_URL,
    BATON_TEMPORAL_UI_PORT: config.BATON_TEMPORAL_UI_PORT,
  };
  if (parts.api) parseApiKeys(apiConfig.BATON_API_KEYS);
  const logger = createLogger(config);
  // One tracer provider per process, named for what the process runs (unless OTEL_SERVICE_NAME names it).
  const tracing = processTracing(config, parts.worker && parts.api ? 'baton' : parts.api ? 'baton-api' : 'baton-worker');
  const module = loadModule(flows);
  // The embedded dev server's Web UI reaches the codec server on the port this API listens on.
  const target = await resolveTemporal({ ...config, BATON_API_PORT: apiConfig.BATON_API_PORT }, (line) => logger.info(line));
  const stops: (() => Promise<void>)[] = [];
  try {
    let running: Promise<void> | undefined;
    let workerRunning = () => true;
    let apiUrl: string | undefined;
    if (parts.worker) {
      const worker = await createWorker({ flows, target, config, taskQueue, maxConcurrentTasks, logger });
      running = worker.run();
      stops.push(() => worker.shutdown());
      workerRunning = () => worker.worker.getState() === 'RUNNING';
    }
    if (parts.api) {
      const client = await BatonClient.connect({
        target,
        dataConverter: dataConverter(config),
        taskQueue: taskQueue ?? config.BATON_TASK_QUEUE,
        flows: module.flows,
        interceptors: tracingClientInterceptors(tracing),
      });
      stops.push(() => client.close());
      const cache = await openCacheStore(config, logger);
      stops.push(async () => cache.close?.());
      // Declared MCP servers are checked at start (a bad declaration stops it) and reported by health.
      const mcp = mcpHealthProbe(loadMcpServers(config), logger);
      stops.push(() => mcp.close());
      const runLogs = await openRunLogStore(config, logger);
      if (runLogs) stops.push(() => runLogs.close());
      const api = await startApi({ client, config: apiConfig, logger, cache, mcp, runLogs, tracer: tracing?.tracer });
      stops.unshift(() => api.close());
      apiUrl = api.url;
    }
    if (config.BATON_HEALTH_FILE) {
      const roles = [...(parts.worker ? ['worker' as const] : []), ...(parts.api ? ['api' as const] : [])];
      const health = startHealthFile(config.BATON_HEALTH_FILE, () => ({ roles, apiUrl }), workerRunning);
      stops.unshift(async () => health.stop());
    }
    if (target.webUiUrl) logger.info(`Temporal Web UI: ${target.webUiUrl}`);
    const signal = await Promise.race([untilSignal(), ...(running ? [running.then(() => 'worker stopped')] : [])]);
    logger.info({ signal }, 'shutting down');
    return 0;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    // The last spans leave before the process does.
    await tracing?.flush().catch(() => undefined);
    await target.devServer?.stop();
  }
}

export const serverStart = (args: string[]) => runProcesses(args, { worker: true, api: true, defaultFlows: EXAMPLES });
export const apiStart = (args: string[]) => runProcesses(args, { worker: false, api: true });
export const workerStart = (args: string[]) => runProcesses(args, { worker: true, api: false });
