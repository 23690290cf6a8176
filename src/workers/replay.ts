/**
 * What a replay needs to run flows exactly as a worker does: the same flow bundle (built by the
 * same code path, with Baton's runtime preloaded) and the same data converter. Used by the replay
 * test to check that recorded histories of runs still replay against the current code; needs no
 * Temporal server, since replay is offline.
 */
import type { ReplayWorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { dataConverter, type BatonConfig } from '../config';
import { buildFlowBundle } from './bundle';
import { withHookTasks } from './hook-tasks';
import { loadModule, type LoadedModule } from './load-module';
import { createLogger, installRuntimeLogger } from './logger';
import { tracingSettings } from '../tracing/tracing-settings';

export interface ReplayOptionsInput {
  /** Module (file or folder) that exports the flows and tasks, or declarations already loaded. */
  flows: string | LoadedModule;
  config: BatonConfig;
  logger?: Logger;
}

/**
 * Replay worker options for `Worker.runReplayHistories` / `Worker.runReplayHistory`. The bundle's
 * entry installs the task specs and loads the flow modules as `createWorker` does, and the worker
 * settings that change what flow code does (workflow interceptors, `reuseV8Context`) are left at
 * the defaults `createWorker` leaves them at; with tracing configured, the bundle has the tracing
 * interceptors a traced worker's has (a replay exports nothing: its spans were exported when the
 * run went through them).
 */
export async function replayWorkerOptions(input: ReplayOptionsInput): Promise<ReplayWorkerOptions> {
  const { config } = input;
  // Temporal's own logs (the replay worker's) go to Baton's logger, as a worker's do.
  const logger = installRuntimeLogger(input.logger ?? createLogger(config));
  // Task hooks are part of what flows schedule: the specs carry them, as a worker's do.
  const loaded = withHookTasks(typeof input.flows === 'string' ? loadModule(input.flows) : input.flows);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when tracing, as by a worker
  const traced = tracingSettings(config, 'baton-replay') && (require('../tracing/worker-tracing') as typeof import('../tracing/worker-tracing'));
  const workflowBundle = await buildFlowBundle({
    flows: loaded.flows,
    specs: loaded.tasks.map((t) => t.spec),
    cacheDir: config.BATON_HOME,
    logger,
    workflowInterceptorModules: traced ? traced.WORKFLOW_INTERCEPTOR_MODULES : undefined,
  });
  return {
    workflowBundle,
    dataConverter: dataConverter(config),
    replayName: 'baton-replay',
    ...(traced ? { sinks: traced.replaySpanSinks() } : {}),
  };
}
