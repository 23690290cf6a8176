/**
 * MCP tools as Baton task runs. Declare servers once, on the worker (BATON_MCP_SERVERS, or
 * `mcpServers` in baton.yaml); flows call their tools through `mcpTool()` from `baton/workflows`,
 * or the ready-made tasks here through `tasks<typeof mcp>()` (`import type * as mcp` from this
 * module); tasks of your own call `callTool()`.
 *
 * @example
 * // flows.ts
 * import { flow, mcpTool, mcpText } from 'baton/workflows';
 * const echo = mcpTool<{ message: string }>('everything', 'echo');
 * export const hello = flow({ name: 'hello' }, async () => mcpText(await echo({ message: 'hi' })));
 *
 * // on the worker
 * // BATON_MCP_SERVERS='{"everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]}}'
 */
export { callTool, listTools } from './mcp-call';
export { mcpCall, mcpCallCached, mcpListTools } from './mcp-tasks';
export { McpToolError, McpTransportError, McpTimeoutError } from './mcp-errors';
export { McpPool, currentMcpPool } from './mcp-pool';
export type { McpConnectionStatus } from './mcp-connection';
export { loadMcpServers } from './mcp-servers';
export type { DeclaredMcpServers } from './mcp-servers';
export { McpStdioServer, McpHttpServer, checkMcpServers } from './mcp-server-config';
export type { McpServerConfig, McpServers } from './mcp-server-config';
export type { McpCallOptions, McpContent, McpToolInfo, McpToolResult } from '../workflows/mcp';
