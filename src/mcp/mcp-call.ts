/**
 * Calling a tool, and listing a server's tools, from task code in the worker. The built-in tasks
 * use these; a task of your own may too (for its own retries or cache):
 *
 * @example
 * import { task } from 'baton';
 * import { callTool } from 'baton/mcp';
 * export const readConfig = task({ name: 'read-config', retries: 2 }, (path: string) => callTool('files', 'read_text_file', { path }));
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { currentRunContext } from '../activities/run-context';
import { NonRetryableError } from '../core/errors';
import type { McpCallOptions, McpContent, McpToolInfo, McpToolResult } from '../workflows/mcp';
import type { McpConnection } from './mcp-connection';
import { McpToolError } from './mcp-errors';
import { breaksConnection, mcpFailure } from './mcp-failure';
import { currentMcpPool } from './mcp-pool';

const DEFAULT_TIMEOUT_SECONDS = 60;
const MAX_QUOTE = 500;

/** A call as the built-in task receives it; checked before anything is sent. */
export const McpCall = z.object({
  server: z.string({ error: 'must be a server name' }).min(1, 'must not be empty'),
  tool: z.string({ error: 'must be a tool name' }).min(1, 'must not be empty'),
  args: z.record(z.string(), z.unknown(), { error: 'must be an object of the tool’s arguments' }).optional(),
  options: z
    .object({
      timeoutSeconds: z.number().positive('must be > 0').max(86_400, 'must be at most 86400').optional(),
      onToolError: z.enum(['fail', 'retry', 'return']).optional(),
      runName: z.string().optional(),
    })
    .strict()
    .optional(),
});

/** The tool lists of each open connection: the read-only check of cached calls reads them. */
const toolLists = new WeakMap<Client, Promise<McpToolInfo[]>>();

function parseCall(server: unknown, tool: unknown, args: unknown, options: unknown): z.infer<typeof McpCall> {
  const parsed = McpCall.safeParse({ server, tool, args: args ?? undefined, options: options ?? undefined });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(call)'}: ${i.message}`).join('; ');
    throw new NonRetryableError(`invalid MCP call: ${issues}`);
  }
  return parsed.data;
}

/** Runs `request` on the server's client; a failure is translated, and a broken connection dropped. */
async function withClient<T>(
  connection: McpConnection,
  what: string,
  timeoutSeconds: number,
  request: (client: Client, signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const signal = currentRunContext()?.signal;
  try {
    const client = await connection.client();
    return await request(client, signal);
  } catch (err) {
    if (breaksConnection(err)) await connection.reset(`${what} failed: ${connection.redact.text((err as Error).message ?? '')}`);
    throw mcpFailure(err, { server: connection.name, what, timeoutSeconds, redact: connection.redact, signal });
  }
}

async function fetchTools(client: Client, signal: AbortSignal | undefined, timeoutMs: number): Promise<McpToolInfo[]> {
  const tools: McpToolInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, { signal, timeout: timeoutMs });
    for (const t of page.tools) {
      tools.push({ name: t.name, title: t.title, description: t.description, inputSchema: t.inputSchema, outputSchema: t.outputSchema, annotations: t.annotations });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/** The server's tools with their JSON Schemas and annotations (fetched once per connection). */
export async function listTools(server: string): Promise<McpToolInfo[]> {
  const connection = currentMcpPool().connection(server);
  const tools = await withClient(connection, 'the tool list', DEFAULT_TIMEOUT_SECONDS, (client, signal) => {
    let list = toolLists.get(client);
    if (!list) {
      list = fetchTools(client, signal, DEFAULT_TIMEOUT_SECONDS * 1000);
      toolLists.set(client, list);
      list.catch(() => toolLists.delete(client));
    }
    return list;
  });
  return connection.redact.value(tools);
}

/**
 * Calls a tool and returns its result. A result with `isError` fails with McpToolError unless
 * `onToolError` is `return`; a broken connection or a missing answer fails with a retryable error.
 */
export async function callTool(server: string, tool: string, args?: Record<string, unknown>, options?: McpCallOptions): Promise<McpToolResult> {
  const call = parseCall(server, tool, args, options);
  const connection = currentMcpPool().connection(call.server);
  const timeoutSeconds = call.options?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const what = `tool '${call.tool}'`;
  const raw = await withClient(connection, what, timeoutSeconds, (client, signal) =>
    client.callTool({ name: call.tool, arguments: call.args ?? {} }, undefined, { signal, timeout: timeoutSeconds * 1000 }),
  );
  const result: McpToolResult = connection.redact.value({
    content: (Array.isArray(raw.content) ? raw.content : []) as McpContent[],
    ...(raw.structuredContent ? { structuredContent: raw.structuredContent as Record<string, unknown> } : {}),
    isError: raw.isError === true,
  });
  const onToolError = call.options?.onToolError ?? 'fail';
  if (result.isError && onToolError !== 'return') {
    const text = result.content
      .filter((c) => c.type === 'text')
      .map((c) => c.text)
      .join(' ')
      .trim();
    const quoted = text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text || '(no text)';
    throw new McpToolError(`tool '${call.tool}' on MCP server '${call.server}' reported an error: ${quoted}`, call.server, call.tool, onToolError === 'retry');
  }
  return result;
}

/** `callTool`, after checking that the server marks the tool read-only (a cached call's condition). */
export async function callReadOnlyTool(server: string, tool: string, args?: Record<string, unknown>, options?: McpCallOptions): Promise<McpToolResult> {
  parseCall(server, tool, args, options);
  const info = (await listTools(server)).find((t) => t.name === tool);
  if (!info) throw new NonRetryableError(`MCP server '${server}' has no tool '${tool}'`);
  if (info.annotations?.readOnlyHint !== true) {
    throw new NonRetryableError(
      `tool '${tool}' on MCP server '${server}' is not marked read-only (annotations.readOnlyHint), so its results are not cached: call it without cache`,
    );
  }
  return callTool(server, tool, args, options);
}
