/**
 * Baton: Prefect's way of writing flows and tasks, run durably on Temporal. This entry point is
 * for authoring tasks: `task()`, the run context, errors, retry and cache options. It loads
 * neither the worker's native module nor Express. The other entry points, by role:
 * `baton/workflows` (flow code, inside Temporal's sandbox), `baton/client` (start and read runs,
 * deployments, approvals), `baton/worker` (workers and the embedded server), `baton/api` (the
 * REST facade).
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
 * // run it (a worker runs: npx baton worker start --flows .)
 * import { BatonClient, loadConfig } from 'baton/client';
 * const client = await BatonClient.fromConfig(loadConfig(), { flows: [hello] });
 * console.log(await client.flowRuns.run(hello, { name: 'Ada' }));
 */
export { task, isTask } from './activities/task';
export type { Task, TaskOptions, ErrorMatcher } from './activities/task';
export { getRunContext } from './activities/run-context';
export { concurrency, rateLimit } from './activities/concurrency';
export type { TaskConcurrencyOptions } from './activities/concurrency';
export type { RunContext } from './activities/run-context';
export {
  createMarkdownArtifact,
  createTableArtifact,
  createLinkArtifact,
  createImageArtifact,
  createProgressArtifact,
  updateProgressArtifact,
} from './activities/task-artifacts';
export { getVariable } from './activities/variable-reads';
export { getSecret } from './activities/secrets';
export type { Variable, JsonValue } from './core/variables';
export { ArtifactError } from './core/artifacts';
export type { Artifact, ArtifactType, CreateArtifactOptions } from './core/artifacts';
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
  FlowTimeoutError,
  AgentLimitError,
  CacheUnavailableError,
  WorkerUnavailableError,
  FlowRunFailedError,
  ConfigError,
  TemporalUnavailableError,
  NotFoundError,
  SecretNotFoundError,
} from './core/errors';
export type { FieldIssue } from './core/errors';
export { STATES, isFinal, isSuccess } from './core/states';
export type { State } from './core/states';
export type { FlowOptions } from './core/flow-options';
export type { FlowHookContext, TaskHookContext, Hooks } from './core/hooks';
export type { FlowRun, FlowRunSummary, TaskRun, Deployment, ErrorBody } from './core/schemas';
