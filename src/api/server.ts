/**
 * Starts the API: refuses to listen beyond loopback without API keys, and says at start when it
 * runs without them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { CacheStore } from '../activities/cache-store';
import type { McpHealthProbe } from '../mcp/mcp-health';
import type { RunLogStore } from '../run-logs/run-log-store';
import type { BatonClient } from '../client/client';
import { codecOrigins, type BatonConfig } from '../config';
import { BatonError } from '../core/errors';
import { createApp } from './app';
import { isLoopback, parseApiKeys } from './auth';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApi(options: {
  client: BatonClient;
  cache?: CacheStore;
  /** The declared MCP servers, reported by health. */
  mcp?: McpHealthProbe;
  /** Where the workers keep runs' log lines. */
  runLogs?: RunLogStore;
  config: Pick<BatonConfig, 'BATON_API_HOST' | 'BATON_API_PORT' | 'BATON_API_KEYS'> &
    Partial<Pick<BatonConfig, 'BATON_API_TEMPORAL_WAIT_SECONDS' | 'BATON_CODEC_ORIGINS' | 'BATON_WEB_UI_URL' | 'BATON_TEMPORAL_UI_PORT'>>;
  logger: Logger;
  /** Traces requests (see `AppOptions.tracer`). */
  tracer?: Tracer;
}): Promise<RunningApi> {
  const { config, logger } = options;
  const apiKeys = parseApiKeys(config.BATON_API_KEYS);
  const host = config.BATON_API_HOST;
  if (apiKeys.length === 0 && !isLoopback(host)) {
    throw new BatonError(`refusing to listen on ${host} without API keys: set BATON_API_KEYS (name:role:secret,...) or BATON_API_HOST=127.0.0.1`);
  }
  if (apiKeys.length === 0) {
    logger.warn(`no API keys configured (BATON_API_KEYS): listening on ${host} only, and every request acts as admin`);
  }
  const app = createApp({
    client: options.client,
    apiKeys,
    logger,
    cache: options.cache,
    mcp: options.mcp,
    runLogs: options.runLogs,
    temporalWaitSeconds: config.BATON_API_TEMPORAL_WAIT_SECONDS,
    tracer: options.tracer,
    codecOrigins: codecOrigins({ ...config, BATON_TEMPORAL_UI_PORT: config.BATON_TEMPORAL_UI_PORT ?? 8233 }),
  });
  const server = app.listen(config.BATON_API_PORT, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => reject(new BatonError(`cannot listen on ${host}:${config.BATON_API_PORT}: ${err.message}`)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, keys: apiKeys.map((k) => `${k.name} (${k.role})`) }, `API listening on ${url} (docs ${url}/api/docs)`);
  return {
    server,
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
