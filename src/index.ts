/**
 * Baton: Prefect's way of writing flows and tasks, run durably on Temporal. This is the Node
 * side: tasks, the client, workers and the embedded server. Flow modules import
 * `baton/workflows` instead, which is safe inside Temporal's sandbox.
 *
 * @example
 * // tasks.ts
 * import { task } from 'baton';
 * export const greet = task({ name: 'greet', retries: 2 }, async (name: string) => `hello ${name}`);
 *
 * // flows.ts
 * import { flow, tasks } from 'baton/workflows';
 * import type * as t from './tasks';
 * const { greet } = tasks<typeof t>();
 * export const hello = flow({ name: 'hello' }, async ({ name }: { name: string }) => greet(name));
 *
 * // run it
 * const client = await BatonClient.fromConfig(loadConfig());
 * console.log(await client.flowRuns.run(hello, { name: 'Ada' }));
 */
export { task, isTask } from './activities/task';
export type { Task, TaskOptions, ErrorMatcher } from './activities/task';
export { getRunContext } from './activities/run-context';
export type { RunContext } from './activities/run-context';
export { exponentialBackoff } from './core/task-options';
export { CachePolicy, INPUTS, TASK_SOURCE, RUN_ID, FLOW_PARAMETERS, NONE, DEFAULT as DEFAULT_CACHE_POLICY } from './core/cache-policy';
export { FileCacheStore } from './activities/cache-store';
export type { CacheStore, CacheEntry } from './activities/cache-store';
export type { CacheKeyContext } from './activities/task';
export type { RetryDelaySeconds, ExponentialBackoff } from './core/task-options';
export {
  BatonError,
  NonRetryableError,
  RetryAfterError,
  ParameterValidationError,
  ValidationError,
  ConflictError,
  UnauthorizedError,
  ForbiddenError,
  TaskFailedError,
  TaskTimeoutError,
  WaitTimeoutError,
  FlowRunFailedError,
  ConfigError,
  TemporalUnavailableError,
  NotFoundError,
} from './core/errors';
export type { FieldIssue } from './core/errors';
export { STATES, isFinal, isSuccess } from './core/states';
export type { State } from './core/states';
export type { FlowOptions } from './core/flow-options';
export { BatonClient } from './client/client';
export type { BatonClientOptions } from './client/client';
export { FlowRuns, friendlyRunName } from './client/flow-runs';
export type { StartFlowRunOptions } from './client/flow-runs';
export { FlowRunHandle } from './client/flow-run-handle';
export type { FlowRun, FlowRunSummary, Deployment, ErrorBody } from './core/schemas';
export type { TaskRun } from './core/schemas';
export { loadConfig, BatonConfig } from './config';
export { resolveTemporal, startDevServer, configuredTarget } from './server/temporal-server';
export type { TemporalTarget, DevServer } from './server/temporal-server';
export { createWorker, runWorkerUntilSignal } from './workers/worker';
export type { BatonWorker, BatonWorkerOptions } from './workers/worker';
export { loadModule } from './workers/load-module';
export { serve, startServing } from './serve';
export type { ServeOptions, Serving } from './serve';
export { Deployments } from './client/deployments';
export { createApp } from './api/app';
export { startApi } from './api/server';
