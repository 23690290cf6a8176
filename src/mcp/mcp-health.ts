/**
 * The declared MCP servers as the API's health reports them. Servers reached over HTTP are asked
 * for their tools (the connection is kept between probes); stdio servers are started by workers,
 * each for itself, so the API names them without starting one (`reachable: null`).
 */
import type { Logger } from 'pino';
import { listTools } from './mcp-call';
import { McpPool } from './mcp-pool';
import { isStdioServer, transportOf, type McpServers } from './mcp-server-config';
import type { DeclaredMcpServers } from './mcp-servers';

export interface McpServerHealth {
  name: string;
  transport: 'stdio' | 'http';
  /** Where it was declared: BATON_MCP_SERVERS or the file. */
  source: string;
  /** Whether it answered within the probe's time; null for stdio servers, which only workers start. */
  reachable: boolean | null;
}

export interface McpHealthProbe {
  probe(timeoutMs: number): Promise<McpServerHealth[]>;
  close(): Promise<void>;
}

export function mcpHealthProbe(declared: DeclaredMcpServers, logger: Logger): McpHealthProbe {
  const http: McpServers = Object.fromEntries(Object.entries(declared.servers).filter(([, server]) => !isStdioServer(server)));
  const pool = new McpPool(http, logger);
  const answers = async (name: string, timeoutMs: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const asked = pool
      .bind(() => listTools(name))()
      .then(
        () => true,
        () => false,
      );
    return Promise.race([asked, late]).finally(() => clearTimeout(timer));
  };
  return {
    probe: (timeoutMs) =>
      Promise.all(
        Object.entries(declared.servers)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(async ([name, server]) => ({
            name,
            transport: transportOf(server),
            source: declared.sources[name] ?? 'BATON_MCP_SERVERS',
            reachable: isStdioServer(server) ? null : await answers(name, timeoutMs),
          })),
      ),
    close: () => pool.close(),
  };
}
