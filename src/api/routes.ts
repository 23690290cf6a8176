/**
 * The REST API's route table: every route, declared with its schemas (see route.ts), one file per
 * resource under routes/. Every route that reads or writes Temporal names 503: Temporal is
 * unreachable.
 */
import type { CacheStore } from '../activities/cache-store';
import type { McpHealthProbe } from '../mcp/mcp-health';
import type { BatonClient } from '../client/client';
import { artifactRoutes } from './routes/artifacts';
import { variableRoutes } from './routes/variables';
import { cacheRoutes } from './routes/cache';
import { deploymentRoutes } from './routes/deployments';
import { flowRunRoutes } from './routes/flow-runs';
import { flowRunStreamRoutes } from './routes/flow-run-stream';
import { flowRoutes } from './routes/flows';
import { healthRoutes } from './routes/health';
import { peopleRoutes } from './routes/people';
import { automationRoutes } from './routes/automations';
import { concurrencyLimitRoutes } from './routes/concurrency-limits';
import { eventRoutes } from './routes/events';
import { taskQueueRoutes } from './routes/task-queues';
import { flowRunLogRoutes } from './routes/flow-run-logs';
import type { RunLogStore } from '../run-logs/run-log-store';
import type { Logger } from 'pino';
import { codecRoutes } from './routes/codec';

export interface RouteOptions {
  /** Seconds a decision on an approval waits for the run's worker before answering 503. @default DECIDE_WAIT_SECONDS */
  decideWaitSeconds?: number;
  /** The declared MCP servers, for health. */
  mcp?: McpHealthProbe;
  /** Where the workers keep runs' log lines; none answers 409 on the log routes. */
  runLogs?: RunLogStore;
  /** Where the codec server logs a payload it could not decode. */
  logger?: Logger;
}

export function routes(client: BatonClient, cache?: CacheStore, options: RouteOptions = {}) {
  return [
    ...healthRoutes(client, cache, options.mcp),
    ...flowRoutes(client),
    ...deploymentRoutes(client),
    ...flowRunRoutes(client),
    ...flowRunStreamRoutes(client),
    ...flowRunLogRoutes(client, options.runLogs),
    ...artifactRoutes(client),
    ...variableRoutes(client),
    ...cacheRoutes(cache),
    ...peopleRoutes(client, options),
    ...eventRoutes(client),
    ...automationRoutes(client),
    ...concurrencyLimitRoutes(client),
    ...taskQueueRoutes(client),
    ...codecRoutes(client, options.logger),
  ];
}
