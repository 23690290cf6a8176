/**
 * `/mcp`: Baton's MCP server over streamable HTTP, in stateless mode (each POST is answered on its
 * own, as the API keeps no state between requests), behind the API's keys: a read key is offered
 * the reading tools only. GET and DELETE (server-initiated streams, sessions) are not offered.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from 'pino';
import type { BatonClient } from '../client/client';
import { MethodNotAllowedError } from '../core/errors';
import { batonMcpServer } from '../mcp-server/baton-mcp-server';
import { authenticate, type ApiKey } from './auth';
import { BODY_LIMIT } from './route';
import { requireJsonWrites } from './site-guard';

export const MCP_PATH = '/mcp';

export function mountMcp(
  app: Express,
  options: { client: BatonClient; apiKeys: ApiKey[]; logger?: Logger; temporalWaitSeconds: number; decideWaitSeconds?: number },
): void {
  const identify = (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.principal = authenticate(req.headers.authorization, options.apiKeys);
      next();
    } catch (err) {
      next(err);
    }
  };
  app.post(MCP_PATH, identify, requireJsonWrites, express.json({ limit: BODY_LIMIT }), (req: Request, res: Response, next: NextFunction) => {
    const principal = res.locals.principal as { name: string; role: 'read' | 'admin' };
    const server = batonMcpServer(options.client, principal, { temporalWaitSeconds: options.temporalWaitSeconds, decideWaitSeconds: options.decideWaitSeconds });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res, req.body))
      .catch((err: unknown) => {
        options.logger?.error({ err }, 'MCP request failed');
        if (!res.headersSent) next(err);
      });
  });
  app.all(MCP_PATH, (req: Request, res: Response) => {
    res.setHeader('Allow', 'POST');
    throw new MethodNotAllowedError(`${req.method} is not allowed on ${MCP_PATH} (it takes POST: Baton's MCP server is stateless)`, ['POST']);
  });
}
