/**
 * What a worker loads once per worker thread, before any run, and shares between runs: Baton's
 * flow runtime. Each run still evaluates the bundle entry and the module of its own flow, so user
 * module state stays per run. Nothing here may keep per-run state in module scope (see
 * run-state.ts): Temporal deep-freezes what is shared once preloading ends.
 *
 * zod is deliberately not shared, and the runtime never imports it at run time: zod keeps
 * module-level regular expressions and sets their `lastIndex` on every check, which throws on a
 * frozen RegExp (`z.email()` in a flow's parameters or an approval's input failed that way).
 * Each run evaluates the zod its flow module imports. Sandbox-safe.
 */
import './web-globals';
import dispatcher from './dispatcher';
import * as workflows from './index';

export const shared = [dispatcher, workflows];
