/** Per-run facts the flow side keeps for its tasks. Module state is per workflow run. Sandbox-safe. */
let flowParameters: unknown;

/** Called by the dispatcher with the run's parsed parameters. */
export function setFlowParameters(params: unknown): void {
  flowParameters = params;
}

/** The current flow run's parameters, for tasks whose cache key includes them. */
export function currentFlowParameters(): unknown {
  return flowParameters;
}
