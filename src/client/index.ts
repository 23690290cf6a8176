/**
 * Baton, client side (`baton/client`): start flow runs and read them, manage deployments, decide
 * approvals, from any Node process.
 *
 * @example
 * import { BatonClient, loadConfig } from 'baton/client';
 * import { main } from './flows';
 *
 * const client = await BatonClient.fromConfig(loadConfig(), { flows: [main] });
 * const run = await client.flowRuns.start(main, { count: 3 }); // validated before it starts
 * console.log(await run.result(), (await run.describe()).state);
 */
export { BatonClient } from './client';
export type { BatonClientOptions } from './client';
export { FlowRuns, friendlyRunName } from './flow-runs';
export type { RetryMode, StartFlowRunOptions } from './flow-runs';
export { FlowRunHandle } from './flow-run-handle';
export type { ReadStreamOptions } from './flow-run-stream';
export type { StreamItem, StreamPage } from '../core/stream';
export { Deployments } from './deployments';
export { Approvals } from './approvals';
export { Variables } from './variables';
export type { SetVariableOptions } from './variables';
export type { Variable, JsonValue } from '../core/variables';
export { loadConfig, BatonConfig, dataConverter } from '../config';
export { resolveTemporal, configuredTarget } from '../server/temporal-server';
export type { TemporalTarget } from '../server/temporal-server';
export { STATES, isFinal, isSuccess } from '../core/states';
export type { State } from '../core/states';
export type {
  ApprovalList,
  CreateDeployment,
  Deployment,
  DeploymentList,
  ErrorBody,
  FlowRun,
  FlowRunList,
  FlowRunSummary,
  ListFlowRunsQuery,
  PendingApprovalItem,
  TaskRun,
} from '../core/schemas';
export {
  BatonError,
  ConflictError,
  FlowRunFailedError,
  FlowTimeoutError,
  NotFoundError,
  ParameterValidationError,
  TemporalUnavailableError,
  ValidationError,
} from '../core/errors';
