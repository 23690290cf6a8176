/**
 * The worker's MCP clients: one connection per declared server, opened on first use, closed when
 * the worker stops. The worker runs every task inside `pool.bind(...)`, so a task (built-in or the
 * user's own) reaches the pool of the worker running it through `currentMcpPool()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { BatonError, NonRetryableError } from '../core/errors';
import { McpConnection, type McpConnectionStatus } from './mcp-connection';
import type { McpServers } from './mcp-server-config';

export class McpPool {
  private readonly connections = new Map<string, McpConnection>();

  constructor(
    readonly servers: McpServers,
    logger: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const [name, config] of Object.entries(servers)) this.connections.set(name, new McpConnection(name, config, logger, env));
  }

  /** The named server's connection; an unknown name fails at once, listing the known ones. */
  connection(name: string): McpConnection {
    const connection = this.connections.get(name);
    if (!connection) {
      const known = [...this.connections.keys()];
      throw new NonRetryableError(
        `no MCP server '${name}' is declared on this worker (BATON_MCP_SERVERS, or mcpServers in baton.yaml); ${known.length ? `declared: ${known.join(', ')}` : 'none is declared'}`,
      );
    }
    return connection;
  }

  status(): McpConnectionStatus[] {
    return [...this.connections.values()].map((c) => c.status());
  }

  /** Closes every connection (stdio servers are stopped). */
  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  /** `fn`, running with this pool as the current one. */
  bind<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args: A) => storage.run(this, () => fn(...args));
  }
}

const storage = new AsyncLocalStorage<McpPool>();

/** The pool of the worker running the current task. */
export function currentMcpPool(): McpPool {
  const pool = storage.getStore();
  if (!pool) throw new BatonError('MCP tools are called from a task that a Baton worker runs');
  return pool;
}
