/**
 * What a worker loads once per worker thread, before any run, and shares between runs: Baton's
 * flow runtime and zod. Each run still evaluates the bundle entry and its own flow modules, so
 * user module state stays per run. Nothing here may keep per-run state in module scope (see
 * run-state.ts): Temporal freezes what is shared once preloading ends. Sandbox-safe.
 */
import * as zod from 'zod';
import dispatcher from './dispatcher';
import * as workflows from './index';

// zod fills in its global settings (default locale, memoizer) when its first schemas are made:
// make and use some now, before Temporal freezes what is shared.
zod.object({ warm: zod.array(zod.string()) }).safeParse({ warm: [1] });

export const shared = [zod, dispatcher, workflows];
