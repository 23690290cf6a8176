/**
 * `serve(flow, { name, cron | interval, parameters, tags, tasks })`: one call that starts a worker
 * for the flow and creates (or updates) its deployment, like Prefect's `flow.serve()`. While it
 * serves, the deployment's schedule runs; when it stops, the deployment is paused, so runs do not
 * pile up with nobody to run them.
 *
 * @example
 * import * as tasks from './tasks';
 * import { etl } from './flows';
 * await serve(etl, { name: 'nightly-etl', cron: '0 2 * * *', timezone: 'Europe/Paris', tasks });
 */
import type { Logger } from 'pino';
import { CreateDeployment, type Deployment } from './core/schemas';
import { BatonClient } from './client/client';
import { dataConverter, loadConfig, type BatonConfig } from './config';
import { BatonError, ValidationError } from './core/errors';
import { fieldIssues } from './core/flow-options';
import { resolveTemporal, type TemporalTarget } from './server/temporal-server';
import type { AnyFlow } from './workflows/flow';
import { collectDeclarations } from './workers/load-module';
import { createLogger } from './workers/logger';
import { createWorker, type BatonWorker } from './workers/worker';

export interface ServeOptions {
  /** The deployment's name. */
  name: string;
  /** One or more cron expressions. */
  cron?: string | string[];
  /** IANA timezone for the cron expressions. */
  timezone?: string;
  /** Seconds between runs. */
  interval?: number;
  parameters?: Record<string, unknown>;
  tags?: string[];
  description?: string;
  version?: string;
  /** The flow's tasks: the tasks module (`import * as tasks from './tasks'`) or a list of them. */
  tasks: Record<string, unknown> | unknown[];
  /** Other flows the flow calls as subflows. */
  subflows?: AnyFlow[];
  taskQueue?: string;
  config?: BatonConfig;
  /** Defaults to TEMPORAL_ADDRESS or the embedded dev server. */
  target?: TemporalTarget;
  logger?: Logger;
}

export interface Serving {
  deployment: Deployment;
  worker: BatonWorker;
  client: BatonClient;
  /** Pauses the deployment and stops the worker (and the dev server if serve started it). */
  stop(): Promise<void>;
}

/** Starts serving and returns at once. */
export async function startServing(flow: AnyFlow, options: ServeOptions): Promise<Serving> {
  const config = options.config ?? loadConfig();
  const crons = options.cron === undefined ? [] : Array.isArray(options.cron) ? options.cron : [options.cron];
  const input = {
    name: options.name,
    flow: flow.flowName,
    parameters: options.parameters ?? {},
    tags: options.tags,
    description: options.description ?? flow.options.description,
    version: options.version ?? flow.options.version,
    taskQueue: options.taskQueue ?? `serve-${options.name}`,
    schedules: [
      ...crons.map((cron) => ({ cron, ...(options.timezone ? { timezone: options.timezone } : {}) })),
      ...(options.interval !== undefined ? [{ intervalSeconds: options.interval }] : []),
    ],
  };
  // Checked before anything starts: a bad option changes nothing.
  const parsed = CreateDeployment.safeParse(input);
  if (!parsed.success) throw new ValidationError(`serve options for '${options.name}'`, fieldIssues(parsed.error.issues));
  const taskList = Array.isArray(options.tasks) ? options.tasks : Object.values(options.tasks);
  const exports: Record<string, unknown> = { [flow.flowName]: flow };
  for (const sub of options.subflows ?? []) exports[sub.flowName] = sub;
  const named = Array.isArray(options.tasks) ? Object.fromEntries(taskList.map((t, i) => [`task${i}`, t])) : options.tasks;
  const module = collectDeclarations(flow.sourceFile ?? '(serve)', { ...exports, ...named });
  if (module.tasks.length === 0) throw new BatonError(`serve('${options.name}'): give the flow's tasks in options.tasks`);

  const logger = options.logger ?? createLogger(config);
  const target = options.target ?? (await resolveTemporal(config, (line) => logger.info(line)));
  const ownsServer = !options.target && target.devServer !== undefined;
  let worker: BatonWorker | undefined;
  let client: BatonClient | undefined;
  try {
    worker = await createWorker({ flows: module, target, config, taskQueue: parsed.data.taskQueue, logger });
    const running = worker.run();
    client = await BatonClient.connect({ target, dataConverter: dataConverter(config), taskQueue: parsed.data.taskQueue, flows: module.flows });
    const { deployment } = await client.deployments.apply({ ...parsed.data, paused: false });
    logger.info({ deployment: deployment.name, next: deployment.nextRunTimes[0] }, `serving flow '${flow.flowName}' as deployment '${deployment.name}'`);
    const serving: Serving = {
      deployment,
      worker,
      client,
      async stop() {
        await client!.deployments.pause(deployment.name).catch((err: unknown) => logger.warn({ err }, 'could not pause the deployment'));
        await worker!.shutdown();
        await running;
        await client!.close();
        if (ownsServer) await target.devServer?.stop();
      },
    };
    return serving;
  } catch (err) {
    await worker?.shutdown().catch(() => undefined);
    await client?.close().catch(() => undefined);
    if (ownsServer) await target.devServer?.stop();
    throw err;
  }
}

/** Serves until SIGINT or SIGTERM, then pauses the deployment and stops. */
export async function serve(flow: AnyFlow, options: ServeOptions): Promise<void> {
  const serving = await startServing(flow, options);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await serving.stop();
}
