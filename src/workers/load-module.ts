/**
 * Loads a user module of flows and tasks (TypeScript or JavaScript) and collects what it exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isTask, taskSpec, type Task } from '../activities/task';
import { BatonError } from '../core/errors';
import type { TaskSpec } from '../core/task-options';
import { isFlow, type AnyFlow } from '../workflows/flow';

export interface LoadedModule {
  /** The resolved file that was loaded. */
  file: string;
  flows: AnyFlow[];
  tasks: { task: Task; spec: TaskSpec }[];
}

let tsxRegistered = false;

function ensureTypeScript(file: string): void {
  if (tsxRegistered || !/\.[cm]?tsx?$/.test(file)) return;
  // Already running under tsx (tests, `npm start`): TypeScript loads as is.
  if (require.extensions['.ts']) {
    tsxRegistered = true;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('tsx/cjs/api') as { register(): void }).register();
  tsxRegistered = true;
}

/** Resolves `spec` (a file, or a folder with an index) relative to `cwd`. */
export function resolveModule(spec: string, cwd = process.cwd()): string {
  const base = path.resolve(cwd, spec);
  const candidates = [base, ...['.ts', '.js', '.mts', '.cts'].map((e) => base + e)];
  if (fs.existsSync(base) && fs.statSync(base).isDirectory()) {
    candidates.unshift(...['index.ts', 'index.js'].map((f) => path.join(base, f)));
  }
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) throw new BatonError(`--flows ${spec}: no such module (looked for ${candidates.map((c) => path.relative(cwd, c)).join(', ')})`);
  return found;
}

/** Collects flows and tasks from module exports (one level of nested objects too). */
export function collectDeclarations(file: string, exports: Record<string, unknown>): LoadedModule {
  const flows = new Map<string, AnyFlow>();
  const tasks = new Map<string, { task: Task; spec: TaskSpec }>();
  const visit = (name: string, value: unknown) => {
    if (isFlow(value)) {
      const existing = flows.get(value.flowName);
      if (existing && existing !== value) throw new BatonError(`two flows are named '${value.flowName}'`);
      flows.set(value.flowName, value);
    } else if (isTask(value)) {
      const spec = taskSpec(value, name);
      const existing = tasks.get(spec.name);
      if (existing && existing.task !== value) throw new BatonError(`two tasks are named '${spec.name}'`);
      tasks.set(spec.name, { task: value, spec });
    }
  };
  for (const [name, value] of Object.entries(exports)) {
    visit(name, value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) visit(inner, v);
    }
  }
  return { file, flows: [...flows.values()], tasks: [...tasks.values()] };
}

/** Imports a module and collects its exported flows and tasks (one level of nested objects too). */
export function loadModule(spec: string, cwd = process.cwd()): LoadedModule {
  const file = resolveModule(spec, cwd);
  ensureTypeScript(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(file) as Record<string, unknown>;
  const loaded = collectDeclarations(file, exports);
  if (loaded.flows.length === 0 && loaded.tasks.length === 0) {
    throw new BatonError(`--flows ${spec}: ${path.relative(cwd, file)} exports no flows or tasks`);
  }
  return loaded;
}
