/**
 * State that belongs to one flow run. Baton's flow runtime is loaded once per worker thread and
 * shared by every run in it (see workers/bundle.ts), so its modules keep no state of their own:
 * what a run needs lives on the run's global object, which Temporal gives each run for itself
 * (a reused V8 context swaps globals between runs). Keyed by `Symbol.for`, so two copies of Baton
 * in one bundle still share a run's state. Sandbox-safe.
 */
const global = globalThis as unknown as Record<symbol, unknown>;

/** The run's value under `key` (a `Symbol.for` key made once per module), made with `init` the first time the run asks. */
export function runState<T>(key: symbol, init: () => T): T {
  if (!(key in global)) global[key] = init();
  return global[key] as T;
}
