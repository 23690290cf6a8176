/**
 * Baton's REST facade (`baton/api`): an Express app over a BatonClient, exported apart from
 * `listen()`, and a server that refuses to listen beyond loopback without API keys.
 *
 * @example
 * import { createApp } from 'baton/api';
 * import { BatonClient, loadConfig } from 'baton/client';
 *
 * const client = await BatonClient.fromConfig(loadConfig());
 * createApp({ client }).listen(4200, '127.0.0.1');
 */
export { createApp } from './app';
export type { AppOptions } from './app';
export { startApi } from './server';
export { parseApiKeys } from './auth';
export { errorResponse } from './errors';
