/**
 * What a worker's flows know about its tasks and flows. The worker generates a module that
 * installs the task specs (built from each task's options) when the flow bundle loads; `flow()`
 * registers each flow as its module is evaluated. Sandbox-safe.
 */
import type { TaskSpec } from '../shared/task-options';
import type { AnyFlow } from './flow';

const specsByKey = new Map<string, TaskSpec>();
const flows = new Map<string, AnyFlow>();

/** Called by the worker-generated bundle entry. */
export function installTaskSpecs(specs: TaskSpec[]): void {
  for (const spec of specs) {
    specsByKey.set(spec.name, spec);
    if (spec.exportName && !specsByKey.has(spec.exportName)) specsByKey.set(spec.exportName, spec);
  }
}

/** A task's spec by export name or task name. */
export function taskSpecFor(key: string): TaskSpec | undefined {
  return specsByKey.get(key);
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
