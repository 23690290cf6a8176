/** Per-run facts the flow side keeps for its tasks. Sandbox-safe. */
import { runState } from './run-state';

const FACTS = Symbol.for('baton.run.flow');
const facts = () => runState(FACTS, () => ({ parameters: undefined as unknown }));

/** Called by the dispatcher with the run's parsed parameters. */
export function setFlowParameters(params: unknown): void {
  facts().parameters = params;
}

/** The current flow run's parameters, for tasks whose cache key includes them. */
export function currentFlowParameters(): unknown {
  return facts().parameters;
}
