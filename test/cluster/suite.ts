/**
 * The files of Baton's suite that `npm run test:cluster` runs against the Temporal cluster on
 * PostgreSQL: those that exercise the engine (states, crashes, subflows, timers, retries, maps,
 * people, schedules, the API, caches, streams, ids, events) and need nothing but Temporal. Files
 * that reach into the dev server itself (its SQLite file, its process) stay with `npm test`.
 */
export const CLUSTER_SUITE = [
  'run-states',
  'crash-recovery',
  'subflows',
  'sleep',
  'retries',
  'map',
  'human',
  'deployments',
  'api',
  'cache',
  'streams',
  'idempotency',
  'events',
].map((name) => `test/${name}.test.ts`);
