/**
 * One MCP server's connection in a worker: opened on first use and kept. A stdio server is a child
 * process whose stderr goes to the worker's log, a line per line with the server's name; when it
 * exits (or an HTTP session breaks) the connection is dropped and the next call opens a new one,
 * so a crashed server is restarted by the call that needs it. Calls in flight when it dies fail
 * with McpTransportError, which the task retries.
 */
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import { BatonError, NonRetryableError } from '../core/errors';
import { McpTransportError } from './mcp-errors';
import { Redactor, resolveReferences } from './mcp-secrets';
import { isStdioServer, transportOf, type McpServerConfig } from './mcp-server-config';

/** Seconds a server has to start and answer `initialize`. */
const CONNECT_TIMEOUT_SECONDS = 30;
/** Longest stderr line logged whole. */
const MAX_LINE = 4_000;
const CLIENT_INFO = { name: 'baton', version: '0.1.0' };

/** What `status()` says about a server, for `baton mcp ls` and health. */
export interface McpConnectionStatus {
  name: string;
  transport: 'stdio' | 'http';
  /** A connection is open now. */
  connected: boolean;
  /** The child process of a stdio server, while it runs. */
  pid?: number;
  /** Connections opened so far (a restarted server counts again). */
  connects: number;
  /** Why the last connection ended or failed, secrets removed. */
  lastError?: string;
}

interface Open {
  client: Client;
  transport: Transport;
  pid?: number;
}

export class McpConnection {
  /** Removes the resolved `${VAR}` values of this server from everything it sends back. */
  readonly redact = new Redactor();
  private open: Promise<Open> | undefined;
  private current: Open | undefined;
  private connects = 0;
  private lastError: string | undefined;
  private closing = false;

  constructor(
    readonly name: string,
    readonly config: McpServerConfig,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The client, connecting (or restarting the server) when there is no live connection. */
  client(): Promise<Client> {
    if (this.closing) return Promise.reject(new McpTransportError(`MCP server '${this.name}' is closing with the worker`, this.name));
    this.open ??= this.connect().then(
      (open) => {
        this.current = open;
        return open;
      },
      (err: unknown) => {
        this.open = undefined;
        this.lastError = (err as Error).message;
        throw err;
      },
    );
    return this.open.then((o) => o.client);
  }

  /** Drops the connection, so the next call opens a new one (an HTTP session the server forgot). */
  async reset(reason: string): Promise<void> {
    const open = this.current;
    this.forget(reason);
    await open?.client.close().catch(() => undefined);
  }

  status(): McpConnectionStatus {
    return {
      name: this.name,
      transport: transportOf(this.config),
      connected: this.current !== undefined,
      pid: this.current?.pid,
      connects: this.connects,
      lastError: this.lastError,
    };
  }

  /** Closes the connection; a stdio server gets its stdin closed, then SIGTERM, then SIGKILL. */
  async close(): Promise<void> {
    this.closing = true;
    const open = await this.open?.catch(() => undefined);
    this.open = undefined;
    this.current = undefined;
    await open?.client.close().catch(() => undefined);
  }

  private forget(reason: string): void {
    this.open = undefined;
    this.current = undefined;
    this.lastError = reason;
  }

  private async connect(): Promise<Open> {
    const [{ Client }, transport] = await Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), this.transport()]);
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_SECONDS * 1000 });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw this.connectFailure(err);
    }
    const pid = (transport as { pid?: number | null }).pid ?? undefined;
    const opened: Open = { client, transport, pid };
    this.connects += 1;
    // Set after connect: the client wraps the transport's handlers when it connects.
    const onclose = client.onclose;
    client.onclose = () => {
      onclose?.();
      if (this.current === opened || this.current === undefined) {
        if (!this.closing) this.logger.warn({ mcpServer: this.name, serverPid: pid }, `MCP server '${this.name}' closed the connection; the next call reconnects`);
        if (this.current === opened) this.forget(`MCP server '${this.name}' closed the connection`);
      }
    };
    this.logger.info({ mcpServer: this.name, transport: transportOf(this.config), serverPid: pid }, `MCP server '${this.name}' connected`);
    return opened;
  }

  private async transport(): Promise<Transport> {
    const config = this.config;
    if (isStdioServer(config)) {
      const env = this.resolved(config.env, 'env');
      const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
      const transport = new StdioClientTransport({ command: config.command, args: config.args, env, cwd: config.cwd, stderr: 'pipe' });
      this.logStderr(transport.stderr as Readable | null);
      return transport;
    }
    const headers = this.resolved(config.headers, 'headers');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } });
  }

  private resolved(values: Record<string, string>, field: 'env' | 'headers'): Record<string, string> {
    try {
      return resolveReferences(values, this.env, this.redact, { server: this.name, field });
    } catch (err) {
      // A variable missing on the worker: no retry sets it.
      throw new NonRetryableError((err as Error).message);
    }
  }

  private logStderr(stderr: Readable | null): void {
    if (!stderr) return;
    const lines = readline.createInterface({ input: stderr, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      const text = this.redact.text(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
      this.logger.info({ mcpServer: this.name, stream: 'stderr' }, text);
    });
  }

  private connectFailure(err: unknown): Error {
    const error = err as NodeJS.ErrnoException;
    const message = this.redact.text(error?.message ?? String(err));
    if (err instanceof BatonError) return err;
    if (error?.code === 'ENOENT' && isStdioServer(this.config)) {
      return new NonRetryableError(`cannot start MCP server '${this.name}': command '${this.config.command}' was not found`);
    }
    if (error?.code === 'EACCES' && isStdioServer(this.config)) {
      return new NonRetryableError(`cannot start MCP server '${this.name}': command '${this.config.command}' is not executable`);
    }
    const status = (err as { code?: unknown }).code;
    if (typeof status === 'number' && (status === 401 || status === 403)) {
      return new NonRetryableError(`MCP server '${this.name}' refused the connection (${status}): check its headers`);
    }
    return new McpTransportError(`cannot connect to MCP server '${this.name}' (${transportOf(this.config)}): ${message}`, this.name);
  }
}
