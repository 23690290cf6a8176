/**
 * Baton, flow side: what flow modules import. Flow code runs in Temporal's deterministic sandbox,
 * so it imports tasks by type only and calls them through `tasks()`.
 *
 * @example
 * import { flow, tasks, unmapped } from 'baton/workflows';
 * import type * as t from './tasks';
 *
 * const { getCustomerIds, processCustomer } = tasks<typeof t>();
 *
 * export const main = flow({ name: 'main' }, async () => {
 *   const ids = await getCustomerIds();
 *   return await processCustomer.map(ids);
 * });
 */
import './web-globals';
export { flow, isFlow } from './flow';
export type { Flow, AnyFlow, GeneratorResult } from './flow';
export { emit } from './stream';
export { createMarkdownArtifact, createTableArtifact, createLinkArtifact, createImageArtifact, createProgressArtifact, updateProgressArtifact } from './artifacts';
export type { Artifact, ArtifactType, CreateArtifactOptions } from '../core/artifacts';
export { getVariable } from './get-variable';
export { getSecret } from './secrets';
export type { JsonValue } from '../core/variables';
export { agent } from './agent';
export type { AgentOptions, AgentResult, AgentTool } from './agent';
export type { StreamItem } from '../core/stream';
export { tasks, unmapped } from './task-proxy';
export type { TaskHandle, TaskHandles, Unmapped, CallOptions } from './task-proxy';
export { RunFuture, FutureList, waitAll, asCompleted } from './future';
export { pause, approval } from './human';
export { sleep } from './sleep';
export { concurrency, rateLimit } from './concurrency';
export type { ConcurrencyOptions } from './concurrency';
export { mcpTool, listMcpTools, mcpText, type McpTool, type McpToolOptions, type McpToolResult, type McpToolInfo, type McpContent, type McpCallOptions } from './mcp';
export type { PauseOptions, ApprovalOptions } from './human';
export type { ApprovalResult, Decision } from '../core/human';
/** Runs cleanup that must finish even when the run is being cancelled: `await nonCancellable(() => cleanup())`. */
export { CancellationScope } from '@temporalio/workflow';
import { CancellationScope } from '@temporalio/workflow';
export const nonCancellable = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);
export {
  BatonError,
  NonRetryableError,
  RetryAfterError,
  ParameterValidationError,
  TaskFailedError,
  TaskTimeoutError,
  WaitTimeoutError,
  FlowTimeoutError,
  AgentLimitError,
} from '../core/errors';
export type { FlowOptions } from '../core/flow-options';
export type { FlowHookContext, TaskHookContext, Hooks } from '../core/hooks';
export type { State } from '../core/states';
/** The flow logger: replay-aware, forwarded by the worker to its pino logger with the run's ids. */
export { log } from '@temporalio/workflow';
