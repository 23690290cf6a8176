/** Per-run facts the flow side keeps for its tasks. Sandbox-safe. */
import { runState } from './run-state';

const FACTS = Symbol.for('baton.run.flow');
const facts = () => runState(FACTS, () => ({ parameters: undefined as unknown, localTasks: false }));

/** Called by the dispatcher with the run's parsed parameters. */
export function setFlowParameters(params: unknown): void {
  facts().parameters = params;
}

/** The current flow run's parameters, for tasks whose cache key includes them. */
export function currentFlowParameters(): unknown {
  return facts().parameters;
}

/** A map shard runs its items with its flow's `localTasks` default (the shard is not the flow). */
export function setLocalTasksDefault(local: boolean): void {
  facts().localTasks = local;
}

/** Whether tasks of this run default to local: its flow's `localTasks`, or the one a map shard was given. */
export function localTasksDefault(): boolean {
  return facts().localTasks;
}
