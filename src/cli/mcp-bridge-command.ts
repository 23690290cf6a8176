/**
 * `baton mcp bridge <server> [--host h] [--port p]`: serves a declared stdio MCP server over
 * streamable HTTP at /mcp (health at /health) until SIGINT or SIGTERM, for workers elsewhere that
 * declare it by URL. The port defaults to BATON_MCP_BRIDGE_PORT, then 8811. The bearer token is
 * BATON_MCP_BRIDGE_TOKEN; without it the bridge stays on loopback.
 */
import { loadConfig } from '../config';
import { startMcpBridge } from '../mcp/mcp-bridge';
import { isStdioServer } from '../mcp/mcp-server-config';
import { loadMcpServers } from '../mcp/mcp-servers';
import { createLogger } from '../workers/logger';
import { parse, str, UsageError } from './args';

/** The port a bridge listens on unless told otherwise. */
export const BRIDGE_PORT = 8811;

export async function mcpBridge(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { host: { type: 'string' }, port: { type: 'string' } }, ['server']);
  const name = positionals[0]!;
  const portText = str(values, 'port') ?? (process.env.BATON_MCP_BRIDGE_PORT || undefined);
  const port = portText === undefined ? BRIDGE_PORT : Number(portText);
  if (!/^\d+$/.test(portText ?? '0') || port > 65_535) throw new UsageError(`--port (or BATON_MCP_BRIDGE_PORT) must be a port number (0-65535), got '${portText}'`);
  const config = loadConfig();
  const declared = loadMcpServers(config);
  const server = declared.servers[name];
  const known = Object.keys(declared.servers);
  if (!server)
    throw new UsageError(`no MCP server named '${name}' is declared (${known.length ? `declared: ${known.join(', ')}` : 'none in BATON_MCP_SERVERS or baton.yaml'})`);
  if (!isStdioServer(server)) throw new UsageError(`MCP server '${name}' is reached by URL already (${server.url}): only a server with a command is bridged`);
  const token = process.env.BATON_MCP_BRIDGE_TOKEN || undefined;
  const logger = createLogger(config);
  const bridge = await startMcpBridge({ name, config: server, host: str(values, 'host') ?? '127.0.0.1', port, token, logger });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info({ mcpServer: name }, 'MCP bridge shutting down');
  await bridge.close();
  return 0;
}
