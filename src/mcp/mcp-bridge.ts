/**
 * A declared stdio MCP server served over streamable HTTP (`baton mcp bridge <server>`), so that
 * workers on other machines or containers reach one running copy of it by URL: one child process,
 * shared by every request, restarted by the next request after it exits. Its `${VAR}` secrets stay
 * in the bridge's environment, and every answer has them cut out before it leaves.
 *
 * `POST /mcp` is stateless (each request answered on its own, as Baton's own `/mcp` is): tools,
 * resources and prompts are forwarded as the child offers them. `GET /health` answers 200 once
 * the child lists its tools within the health wait, 503 otherwise. With a token, `/mcp` needs
 * `Authorization: Bearer <token>`; without one, it listens on loopback only and refuses other
 * sites (the API's site guard).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ErrorCode,
  McpError,
  ReadResourceRequestSchema,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { BatonError, MethodNotAllowedError, UnauthorizedError } from '../core/errors';
import { isLoopback } from '../api/auth';
import { errorResponse } from '../api/errors';
import { requestErrorReply } from '../api/request-errors';
import { requireJsonWrites, siteGuard } from '../api/site-guard';
import { McpConnection } from './mcp-connection';
import type { McpStdioServer } from './mcp-server-config';

export const BRIDGE_PATH = '/mcp';
/** Seconds `GET /health` waits for the child to list its tools. */
const HEALTH_WAIT_SECONDS = 5;
/** A forwarded request waits this long for the child; the caller's own timeout (a task's) is what usually ends it. */
const FORWARD_TIMEOUT_MS = 60 * 60_000;
const BODY_LIMIT = '4mb';

export interface McpBridgeOptions {
  /** The server's name, as declared. */
  name: string;
  config: McpStdioServer;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The bearer token `/mcp` requires; none keeps the bridge on loopback. */
  token?: string;
  logger: Logger;
  /** Where `${VAR}` references are resolved. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface McpBridge {
  /** `http://host:port/mcp`. */
  url: string;
  close(): Promise<void>;
}

/** The child could not be started or reached: the request is answered 503. */
export class McpServerUnavailableError extends BatonError {
  static override readonly code: string = 'MCP_SERVER_UNAVAILABLE';
}

/** Refused to start: a bridge beyond loopback with no token. */
export class McpBridgeConfigError extends BatonError {
  static override readonly code: string = 'MCP_BRIDGE_CONFIG';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** An MCP server that answers each request by asking the child through `client`. */
function forwardingServer(name: string, client: Client, redact: <T>(value: T) => T, redactText: (text: string) => string): Server {
  const offered = client.getServerCapabilities() ?? {};
  const capabilities: ServerCapabilities = {
    ...(offered.tools ? { tools: {} } : {}),
    ...(offered.resources ? { resources: {} } : {}),
    ...(offered.prompts ? { prompts: {} } : {}),
  };
  const child = client.getServerVersion();
  const server = new Server(
    { name: child?.name ?? name, version: child?.version ?? '0.0.0' },
    { capabilities, ...(client.getInstructions() ? { instructions: client.getInstructions() } : {}) },
  );
  const options = (signal: AbortSignal) => ({ signal, timeout: FORWARD_TIMEOUT_MS });
  /** The child's answer, or its error with the same code, each with the secrets cut out. */
  const forward = async <T>(ask: () => Promise<T>): Promise<T> => {
    try {
      return redact(await ask());
    } catch (err) {
      if (err instanceof McpError) throw new McpError(err.code, redactText(err.message.replace(/^MCP error -?\d+: /, '')), redact(err.data));
      throw new McpError(ErrorCode.InternalError, redactText((err as Error).message));
    }
  };
  if (offered.tools) {
    server.setRequestHandler(ListToolsRequestSchema, (req, extra) => forward(() => client.listTools(req.params, options(extra.signal))));
    server.setRequestHandler(CallToolRequestSchema, (req, extra) => forward(() => client.callTool(req.params, undefined, options(extra.signal))));
  }
  if (offered.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, (req, extra) => forward(() => client.listResources(req.params, options(extra.signal))));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (req, extra) => forward(() => client.listResourceTemplates(req.params, options(extra.signal))));
    server.setRequestHandler(ReadResourceRequestSchema, (req, extra) => forward(() => client.readResource(req.params, options(extra.signal))));
  }
  if (offered.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, (req, extra) => forward(() => client.listPrompts(req.params, options(extra.signal))));
    server.setRequestHandler(GetPromptRequestSchema, (req, extra) => forward(() => client.getPrompt(req.params, options(extra.signal))));
  }
  return server;
}

export async function startMcpBridge(options: McpBridgeOptions): Promise<McpBridge> {
  const { name, logger, token } = options;
  if (!token && !isLoopback(options.host)) {
    throw new McpBridgeConfigError(`refusing to serve MCP server '${name}' on ${options.host} without a token: set BATON_MCP_BRIDGE_TOKEN, or --host 127.0.0.1`);
  }
  const connection = new McpConnection(name, options.config, logger, options.env);
  const redact = <T>(value: T): T => connection.redact.value(value);
  const app = express();
  app.disable('x-powered-by');
  app.use(siteGuard(!token));

  const authorize = (req: Request, _res: Response, next: NextFunction) => {
    if (!token) return next();
    const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compared as digests, in constant time: the answer says nothing about how close a guess was.
    next(timingSafeEqual(digest(given), digest(token)) ? undefined : new UnauthorizedError('missing or wrong bearer token for this MCP bridge'));
  };

  app.get('/health', (_req, res) => {
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${HEALTH_WAIT_SECONDS} s`)), HEALTH_WAIT_SECONDS * 1000).unref(),
    );
    Promise.race([connection.client().then((client) => client.listTools()), deadline]).then(
      (listed) => res.json({ status: 'ok', server: name, tools: listed.tools.length, connects: connection.status().connects }),
      (err: unknown) => res.status(503).json({ status: 'unavailable', server: name, reason: connection.redact.text((err as Error).message) }),
    );
  });

  app.post(BRIDGE_PATH, authorize, requireJsonWrites, express.json({ limit: BODY_LIMIT }), (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      let client: Client;
      try {
        client = await connection.client();
      } catch (err) {
        throw new McpServerUnavailableError(`MCP server '${name}' is not running: ${connection.redact.text((err as Error).message)}`);
      }
      const server = forwardingServer(name, client, redact, (text) => connection.redact.text(text));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    })().catch((err: unknown) => {
      logger.warn({ mcpServer: name, reason: connection.redact.text((err as Error).message) }, 'MCP bridge request failed');
      if (!res.headersSent) next(err);
    });
  });
  app.all(BRIDGE_PATH, (req: Request, res: Response) => {
    res.setHeader('Allow', 'POST');
    throw new MethodNotAllowedError(`${req.method} is not allowed on ${BRIDGE_PATH} (it takes POST: the bridge is stateless)`, ['POST']);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } =
      requestErrorReply(err) ??
      (err instanceof McpServerUnavailableError ? { status: 503, body: { error: { code: err.code, message: err.message } } } : errorResponse(err));
    res.status(status).json(redact(body));
  });

  const http: HttpServer = app.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', (err) => reject(new McpBridgeConfigError(`cannot listen on ${options.host}:${options.port}: ${err.message}`)));
  });
  const { port } = http.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}${BRIDGE_PATH}`;
  logger.info({ mcpServer: name, url, token: token ? 'required' : 'none (loopback only)' }, `MCP server '${name}' bridged to ${url}`);
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await connection.close();
    },
  };
}
