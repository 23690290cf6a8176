/**
 * Ready-made MCP tasks, registered by every worker, so a flow calls a tool as a task run (with
 * retries, a timeout and the run name `tool: <tool>`, visible in the history) without declaring one.
 * Flows use them through `mcpTool()` from `baton/workflows`, or directly:
 *
 * @example
 * import { flow, tasks } from 'baton/workflows';
 * import type * as mcp from 'baton/mcp';
 * const { mcpCall } = tasks<typeof mcp>();
 * export const add = flow({ name: 'add' }, async () => mcpCall('everything', 'get-sum', { a: 2, b: 3 }));
 */
import { task } from '../activities/task';
import { stableStringify } from '../activities/cache-key';
import { exponentialBackoff } from '../core/task-options';
import type { McpCallOptions } from '../workflows/mcp';
import { callReadOnlyTool, callTool, listTools } from './mcp-call';
import { McpToolError } from './mcp-errors';

/** Transport failures and timeouts: retried after 1, 2, 4 s. */
const RETRIES = {
  retries: 3,
  retryDelaySeconds: exponentialBackoff({ baseSeconds: 1, factor: 2, maxSeconds: 30 }),
  // A tool that reported an error fails at once, unless the call asked for retries.
  retryCondition: (err: unknown) => !(err instanceof McpToolError) || err.retry,
};
/** One attempt's limit in the worker; each request has its own, shorter one (`timeoutSeconds`, default 60). */
const TIMEOUT_SECONDS = 600;

/** `mcp.call`: one tool call; the tool's content, structuredContent and isError. */
export const mcpCall = task(
  {
    name: 'mcp.call',
    description: 'One MCP tool call',
    ...RETRIES,
    timeoutSeconds: TIMEOUT_SECONDS,
    taskRunName: (_server: string, tool: string, _args?: Record<string, unknown>, options?: McpCallOptions) => options?.runName ?? `tool: ${tool}`,
  },
  (server: string, tool: string, args?: Record<string, unknown>, options?: McpCallOptions) => callTool(server, tool, args, options),
);

/**
 * `mcp.callCached`: as `mcp.call`, its result kept in the worker's result cache and reused for the
 * same server, tool and arguments. Only for tools the server marks `readOnlyHint: true`.
 */
export const mcpCallCached = task(
  {
    name: 'mcp.callCached',
    description: 'One MCP tool call of a read-only tool, through the result cache',
    ...RETRIES,
    timeoutSeconds: TIMEOUT_SECONDS,
    taskRunName: (_server: string, tool: string, _args?: Record<string, unknown>, options?: McpCallOptions) => options?.runName ?? `tool: ${tool}`,
    // Options (a timeout, a run name) do not change what the tool returns: they are not part of the key.
    cacheKeyFn: (_context, server: string, tool: string, args?: Record<string, unknown>) => `mcp\0${server}\0${tool}\0${stableStringify(args ?? {})}`,
  },
  (server: string, tool: string, args?: Record<string, unknown>, options?: McpCallOptions) => callReadOnlyTool(server, tool, args, options),
);

/** `mcp.listTools`: the server's tools with their JSON Schemas, for an agent to offer its model. */
export const mcpListTools = task(
  {
    name: 'mcp.listTools',
    description: "An MCP server's tools",
    ...RETRIES,
    timeoutSeconds: TIMEOUT_SECONDS,
    taskRunName: (server: string) => `tools: ${server}`,
  },
  (server: string) => listTools(server),
);

/** The built-in tasks by export name, for the worker to register. */
export const MCP_TASKS = { mcpCall, mcpCallCached, mcpListTools } as const;
