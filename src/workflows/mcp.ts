/**
 * MCP tools in flows: each call is a task run of the worker's built-in `mcp.call` task, named
 * `tool: <tool>`, with its retries and timeout, so an agent's tool calls are as durable and
 * inspectable as any task. The servers are declared on the worker (BATON_MCP_SERVERS, or
 * `mcpServers` in baton.yaml); flows name them. Sandbox-safe: types and the task proxy only.
 *
 * @example
 * import { flow, mcpTool, mcpText } from 'baton/workflows';
 * const readFile = mcpTool<{ path: string }>('files', 'read_text_file');
 * export const summarize = flow({ name: 'summarize' }, async ({ path }: { path: string }) =>
 *   mcpText(await readFile({ path })),
 * );
 */
import { tasks, type TaskHandle } from './task-proxy';

/** One block of a tool's result: `text`, `image`, `audio` (base64 `data`), `resource_link` or `resource`. */
export interface McpContent {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  [field: string]: unknown;
}

/** What a tool returned. */
export interface McpToolResult {
  content: McpContent[];
  /** The tool's JSON result, when it declares an output schema. */
  structuredContent?: Record<string, unknown>;
  /** The tool reported a failure; seen only with `onToolError: 'return'` (otherwise the call fails). */
  isError: boolean;
}

/** A tool as `listMcpTools` gives it: what an LLM needs to call it. */
export interface McpToolInfo {
  name: string;
  title?: string;
  description?: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  /** The server's hints: `readOnlyHint`, `destructiveHint`, `idempotentHint`, `openWorldHint`. */
  annotations?: Record<string, unknown>;
}

/** Per-call options of an MCP tool call. */
export interface McpCallOptions {
  /** Seconds the server has to answer one attempt; it then fails McpTimeoutError and is retried. Default 60. */
  timeoutSeconds?: number;
  /**
   * What a result with `isError: true` does: `fail` (default) fails the task run at once with
   * McpToolError; `retry` fails it and retries on the task's schedule; `return` hands the result
   * back (an agent shows the error to its model).
   */
  onToolError?: 'fail' | 'retry' | 'return';
  /** The task run's name. Default `tool: <tool>`. */
  runName?: string;
}

/** The built-in tasks' signatures, as flows see them through `tasks()`. */
interface McpTaskModule {
  mcpCall: McpTaskDeclaration<[server: string, tool: string, args?: Record<string, unknown>, options?: McpCallOptions], McpToolResult>;
  mcpCallCached: McpTaskDeclaration<[server: string, tool: string, args?: Record<string, unknown>, options?: McpCallOptions], McpToolResult>;
  mcpListTools: McpTaskDeclaration<[server: string], McpToolInfo[]>;
}
type McpTaskDeclaration<A extends unknown[], R> = ((...args: A) => Promise<R>) & { fn: (...args: A) => Promise<R> };

/** A tool bound to its server: call it with the tool's arguments. */
export interface McpTool<Args extends Record<string, unknown>> {
  (args: Args, options?: McpCallOptions): Promise<McpToolResult>;
  readonly server: string;
  readonly tool: string;
}

/** Options of `mcpTool`. */
export interface McpToolOptions {
  /**
   * Reuse the result of an earlier call with the same server, tool and arguments (the worker's
   * result cache, without expiration). Only for tools the server marks `readOnlyHint: true`; others
   * fail at once. A hit runs nothing and the task run reads Cached.
   */
  cache?: boolean;
}

/**
 * A flow-side handle for one tool: `await tool(args)` runs `mcp.call` (or `mcp.callCached` with
 * `{ cache: true }`) as a task run.
 */
export function mcpTool<Args extends Record<string, unknown> = Record<string, unknown>>(server: string, tool: string, options: McpToolOptions = {}): McpTool<Args> {
  const call = (args: Args, callOptions?: McpCallOptions) => {
    // Handles are made per call: the shared flow runtime keeps no state of its own.
    const handles = tasks<McpTaskModule>();
    const handle: TaskHandle<Parameters<McpTaskModule['mcpCall']>, McpToolResult> = options.cache ? handles.mcpCallCached : handles.mcpCall;
    return callOptions === undefined ? handle(server, tool, args) : handle(server, tool, args, callOptions);
  };
  return Object.assign(call, { server, tool });
}

/** The server's tools with their JSON Schemas, as a task run (`tools: <server>`). */
export function listMcpTools(server: string): Promise<McpToolInfo[]> {
  return tasks<McpTaskModule>().mcpListTools(server);
}

/** The text blocks of a result, joined by newlines. */
export function mcpText(result: McpToolResult): string {
  return result.content
    .filter((c) => c.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text)
    .join('\n');
}
