/**
 * Baton, worker side (`baton/worker`): run workers for a module of flows and tasks, serve flows
 * with deployments from one process, and start the embedded Temporal server.
 *
 * @example
 * import { createWorker, loadConfig, resolveTemporal } from 'baton/worker';
 *
 * const config = loadConfig();
 * const worker = await createWorker({ flows: './flows', target: await resolveTemporal(config), config });
 * await worker.run();
 */
export { createWorker, runWorkerUntilSignal } from './worker';
export type { BatonWorker, BatonWorkerOptions } from './worker';
export { loadModule } from './load-module';
export { serve, startServing } from '../serve';
export type { ServeOptions, Serving } from '../serve';
export { loadConfig, BatonConfig, dataConverter, openCacheStore } from '../config';
export { resolveTemporal, startDevServer, configuredTarget } from '../server/temporal-server';
export type { TemporalTarget, DevServer } from '../server/temporal-server';
export { FileCacheStore } from '../activities/cache-store';
export type { CacheStore, CacheEntry } from '../activities/cache-store';
