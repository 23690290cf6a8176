/**
 * A Baton worker: loads a module of flows and tasks, bundles the flows, and polls a task queue,
 * running flows as workflows and tasks as activities. Stops gracefully on SIGTERM/SIGINT,
 * letting in-flight tasks finish.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { dataConverter, openCacheStore, openSecretSources, type BatonConfig } from '../config';
import { useSecretSources } from '../activities/secrets';
import { installLogPrints } from '../activities/log-prints';
import { taskActivity } from '../activities/task-runner';
import { cacheActivities } from '../activities/cache-lookup';
import { mapShardActivities } from '../activities/map-shard-previous';
import { awaitFlowRunActivities } from '../activities/await-flow-run';
import { limitActivities } from '../activities/limit-activities';
import { variableActivities } from '../activities/variable-reads';
import { workerEventActivities } from '../events/event-activities';
import { TemporalUnavailableError } from '../core/errors';
import type { TemporalTarget } from '../server/temporal-server';
import { buildFlowBundle } from './bundle';
import { withHookTasks } from './hook-tasks';
import { withBuiltInTasks } from './built-in-tasks';
import { loadModule, type LoadedModule } from './load-module';
import { createLogger, installRuntimeLogger, keepRunLogsAt } from './logger';
import { openRunLogStore } from '../run-logs/run-log-store';
import { RunLogSink, runLogSink, useRunLogSink } from '../run-logs/run-log-sink';
import { McpPool } from '../mcp/mcp-pool';
import { loadMcpServers } from '../mcp/mcp-servers';
import { processTracing, tracingClientInterceptors } from '../tracing/tracing';
import { describeTracing } from '../tracing/tracing-settings';

export interface BatonWorkerOptions {
  /** Module (file or folder) that exports the flows and tasks to run, or declarations already loaded. */
  flows: string | LoadedModule;
  target: Pick<TemporalTarget, 'connectionOptions' | 'namespace' | 'address'>;
  config: BatonConfig;
  /** Overrides BATON_TASK_QUEUE. */
  taskQueue?: string;
  /** Overrides BATON_MAX_CONCURRENT_TASKS. */
  maxConcurrentTasks?: number;
  /** Temporal worker settings that change only speed and memory (used by `bench/tune.ts`). */
  tuning?: Pick<
    WorkerOptions,
    'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'workflowTaskPollerBehavior' | 'activityTaskPollerBehavior' | 'maxCachedWorkflows'
  >;
  logger?: Logger;
}

export interface BatonWorker {
  worker: Worker;
  connection: NativeConnection;
  module: LoadedModule;
  taskQueue: string;
  logger: Logger;
  /** Runs until shutdown; resolves when the worker has stopped. */
  run(): Promise<void>;
  /** Stops polling, lets in-flight tasks finish (up to the grace time), then closes. */
  shutdown(): Promise<void>;
}

/** Creates a worker; call `run()` to start polling. */
export async function createWorker(options: BatonWorkerOptions): Promise<BatonWorker> {
  const { config } = options;
  const metrics = config.BATON_METRICS_PORT !== undefined ? { host: config.BATON_METRICS_HOST, port: config.BATON_METRICS_PORT } : undefined;
  const logger = installRuntimeLogger(options.logger ?? createLogger(config), metrics);
  const taskQueue = options.taskQueue ?? config.BATON_TASK_QUEUE;
  const loaded = withHookTasks(withBuiltInTasks(typeof options.flows === 'string' ? loadModule(options.flows) : options.flows));
  installLogPrints();
  // Traced (OTEL_* variables): the flow bundle, the tasks and the worker's own clients join each run's trace.
  const tracing = processTracing(config, 'baton-worker');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when tracing, like the SDK
  const traced = tracing && (require('../tracing/worker-tracing') as typeof import('../tracing/worker-tracing'));
  // Tasks reach MCP servers through the worker's pool: one connection per server, opened on first use.
  const mcp = new McpPool(loadMcpServers(config).servers, logger);

  // Secrets tasks read with getSecret(): checked now, so a bad folder, file or store fails the start.
  const releaseSecrets = useSecretSources(await openSecretSources(config));
  const store = await openCacheStore(config, logger).catch(async (err: unknown) => {
    await releaseSecrets();
    throw err;
  });
  const activities: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  const leaseMs = config.BATON_CACHE_LOCK_LEASE_SECONDS * 1000;
  // Tasks' streams and map shards (which read a resumed flow run's earlier runs) reach Temporal
  // through a client, opened when first needed.
  let client: Promise<Client> | undefined;
  const openClient = () =>
    (client ??= Connection.connect(options.target.connectionOptions).then(
      (c) =>
        new Client({
          connection: c,
          namespace: options.target.namespace,
          dataConverter: dataConverter(config),
          interceptors: tracingClientInterceptors(tracing),
        }),
    ));
  for (const { task, spec } of loaded.tasks) activities[spec.name] = mcp.bind(taskActivity(task, spec, logger, store, leaseMs, openClient));
  Object.assign(activities, cacheActivities(loaded.tasks, store, logger));
  Object.assign(activities, mapShardActivities(openClient));
  Object.assign(activities, awaitFlowRunActivities(openClient));
  Object.assign(activities, limitActivities(openClient, taskQueue));
  Object.assign(activities, variableActivities(openClient));
  // Events and automations: matching, actions (a deployment run needs the module's flows) and a flow run's own events.
  const events = workerEventActivities({
    target: options.target,
    dataConverter: dataConverter(config),
    taskQueue,
    flows: loaded.flows,
    ownEvents: config.BATON_FLOW_RUN_EVENTS,
    interceptors: tracingClientInterceptors(tracing),
  });
  Object.assign(activities, events.activities);

  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(options.target.connectionOptions as NativeConnectionOptions);
  } catch (err) {
    await releaseSecrets();
    throw new TemporalUnavailableError(`cannot reach Temporal at ${options.target.address}: ${(err as Error).message}`, { cause: err });
  }
  // Every run's log lines, kept for `baton flow-run logs` as long as Temporal keeps the run.
  const releaseRunLogs = await useRunLogSink(async () => {
    const runLogs = await openRunLogStore(config, logger);
    return runLogs && new RunLogSink(runLogs, await namespaceRetentionMs(connection, options.target.namespace), logger);
  })
    .then((release) => {
      if (runLogSink()) keepRunLogsAt(logger, config.BATON_RUN_LOG_LEVEL);
      return release;
    })
    .catch(async (err: unknown) => {
      await connection.close().catch(() => undefined);
      await store.close?.().catch(() => undefined);
      await events.close();
      await releaseSecrets();
      throw err;
    });
  let worker: Worker;
  try {
    const workflowBundle = await buildFlowBundle({
      flows: loaded.flows,
      specs: loaded.tasks.map((t) => t.spec),
      cacheDir: config.BATON_HOME,
      logger,
      workflowInterceptorModules: traced?.WORKFLOW_INTERCEPTOR_MODULES,
    });
    worker = await Worker.create({
      connection,
      namespace: options.target.namespace,
      taskQueue,
      workflowBundle,
      activities,
      maxConcurrentActivityTaskExecutions: options.maxConcurrentTasks ?? config.BATON_MAX_CONCURRENT_TASKS,
      maxConcurrentWorkflowTaskExecutions: config.BATON_MAX_CONCURRENT_FLOW_TASKS,
      shutdownGraceTime: config.BATON_SHUTDOWN_GRACE_SECONDS * 1000,
      dataConverter: dataConverter(config),
      ...(tracing && traced
        ? { interceptors: { activity: traced.activityInterceptors(loaded.tasks.map((t) => t.spec.name)) }, sinks: traced.workflowSpanSinks(tracing) }
        : {}),
      ...options.tuning,
    });
  } catch (err) {
    // A module that does not bundle (or a worker Temporal refuses) must not leave the process
    // hanging on open connections: close them and let the error reach the caller.
    await connection.close().catch(() => undefined);
    await store.close?.().catch(() => undefined);
    await events.close();
    await releaseRunLogs();
    await releaseSecrets();
    throw err;
  }
  logger.info(
    {
      taskQueue,
      namespace: options.target.namespace,
      flows: loaded.flows.map((f) => f.flowName),
      tasks: loaded.tasks.map((t) => t.spec.name),
      ...(tracing ? { tracing: describeTracing(tracing.settings) } : {}),
    },
    'worker ready',
  );
  let running: Promise<void> | undefined;
  return {
    worker,
    connection,
    module: loaded,
    taskQueue,
    logger,
    run() {
      running ??= worker.run().finally(async () => {
        await connection.close().catch(() => undefined);
        await store.close?.().catch(() => undefined);
        await mcp.close();
        await events.close();
        await releaseRunLogs().catch(() => undefined);
        await releaseSecrets();
        if (client) await (await client.catch(() => undefined))?.connection.close().catch(() => undefined);
        // The last runs' spans leave before the process does.
        await tracing?.flush().catch((err: unknown) => logger.warn({ err }, 'could not export the last spans'));
      });
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Runs' logs are kept as long as their histories: the namespace's retention, or a week when it cannot be read. */
async function namespaceRetentionMs(connection: NativeConnection, namespace: string): Promise<number> {
  const WEEK = 7 * 24 * 3600 * 1000;
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const ttl = described.config?.workflowExecutionRetentionTtl;
    const ms = Number(ttl?.seconds ?? 0) * 1000 + Math.round((ttl?.nanos ?? 0) / 1e6);
    return ms > 0 ? ms : WEEK;
  } catch {
    return WEEK;
  }
}

/** Runs a worker until SIGTERM or SIGINT, then shuts it down gracefully. */
export async function runWorkerUntilSignal(worker: BatonWorker): Promise<void> {
  const stop = (signal: string) => {
    worker.logger.info({ signal }, 'shutting down: no new work; letting in-flight tasks finish');
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await worker.run();
  worker.logger.info('worker stopped');
}
