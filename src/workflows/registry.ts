/**
 * What a worker's flows know about its tasks and flows. The worker generates a module that
 * installs the task specs (built from each task's options) and, for each flow name, a function
 * that loads the module declaring it; `flow()` registers each flow as its module is evaluated.
 * A run evaluates only the module of its own flow (and what that module imports), the first
 * time it asks for it. Sandbox-safe.
 */
import type { TaskSpec } from '../core/task-options';
import type { AnyFlow } from './flow';
import { runState } from './run-state';

interface Registry {
  specsByExport: Map<string, TaskSpec>;
  specsByName: Map<string, TaskSpec>;
  flows: Map<string, AnyFlow>;
  modules: Map<string, () => unknown>;
}

// Each run's own (the bundle entry and the flow modules are evaluated per run, and register
// into it), kept where two copies of this module in one bundle (a flow module that imports
// Baton's sources, a worker running Baton's compiled files) still find it.
const KEY = Symbol.for('baton.run.registry');
const registry = () => runState<Registry>(KEY, () => ({ specsByExport: new Map(), specsByName: new Map(), flows: new Map(), modules: new Map() }));

/** Called by the worker-generated bundle entry. */
export function installTaskSpecs(specs: TaskSpec[]): void {
  const { specsByName, specsByExport } = registry();
  for (const spec of specs) {
    specsByName.set(spec.name, spec);
    if (spec.exportName) specsByExport.set(spec.exportName, spec);
  }
}

/** A task's spec by export name (what typed proxies use), then by task name. */
export function taskSpecFor(key: string): TaskSpec | undefined {
  const { specsByName, specsByExport } = registry();
  return specsByExport.get(key) ?? specsByName.get(key);
}

/** Called by the worker-generated bundle entry: flow name → a function that loads its module. */
export function installFlowModules(modules: Record<string, () => unknown>): void {
  const known = registry().modules;
  for (const [name, load] of Object.entries(modules)) known.set(name, load);
}

export function registerFlow(flow: AnyFlow): void {
  registry().flows.set(flow.flowName, flow);
}

/** The flow registered under `name`, evaluating the module that declares it on first use in this run. */
export function flowNamed(name: string): AnyFlow | undefined {
  const { flows, modules } = registry();
  const found = flows.get(name);
  if (found) return found;
  const load = modules.get(name);
  if (!load) return undefined;
  load();
  return flows.get(name);
}

export function registeredFlowNames(): string[] {
  const { flows, modules } = registry();
  return [...new Set([...modules.keys(), ...flows.keys()])];
}
