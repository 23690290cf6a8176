/**
 * What a worker's flows know about its tasks and flows. The worker generates a module that
 * installs the task specs (built from each task's options) when the flow bundle loads; `flow()`
 * registers each flow as its module is evaluated. Sandbox-safe.
 */
import type { TaskSpec } from '../shared/task-options';
import type { AnyFlow } from './flow';

interface Registry {
  specsByExport: Map<string, TaskSpec>;
  specsByName: Map<string, TaskSpec>;
  flows: Map<string, AnyFlow>;
}

// Kept on a global symbol so that two copies of this module in one bundle (a flow module that
// imports Baton's sources, a worker running Baton's compiled files) still share one registry.
const KEY = Symbol.for('baton.registry');
const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
const registry: Registry = (holder[KEY] ??= { specsByExport: new Map(), specsByName: new Map(), flows: new Map() });
const { specsByExport, specsByName, flows } = registry;

/** Called by the worker-generated bundle entry. */
export function installTaskSpecs(specs: TaskSpec[]): void {
  for (const spec of specs) {
    specsByName.set(spec.name, spec);
    if (spec.exportName) specsByExport.set(spec.exportName, spec);
  }
}

/** A task's spec by export name (what typed proxies use), then by task name. */
export function taskSpecFor(key: string): TaskSpec | undefined {
  return specsByExport.get(key) ?? specsByName.get(key);
}

export function registerFlow(flow: AnyFlow): void {
  flows.set(flow.flowName, flow);
}

export function flowNamed(name: string): AnyFlow | undefined {
  return flows.get(name);
}

export function registeredFlowNames(): string[] {
  return [...flows.keys()];
}
