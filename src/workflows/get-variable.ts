/**
 * `getVariable(name, default?)` in flow code (Prefect's `Variable.get`). The value is read through
 * a local activity on the flow's worker, so it is recorded in the run's history: a replay reads
 * the recorded value, not the store's current one, and the run stays deterministic. Sandbox-safe.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import { ValidationError } from '../core/errors';
import { GET_VARIABLE_ACTIVITY, variableNameProblem, type JsonValue } from '../core/variables';

/** What the worker's local activity answers. */
export interface VariableRead {
  found: boolean;
  value?: JsonValue;
}

const { [GET_VARIABLE_ACTIVITY]: readVariable } = proxyLocalActivities<Record<string, (name: string) => Promise<VariableRead>>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 5 },
});

/**
 * The variable's value, or `defaultValue` (undefined without one) when no variable has that name.
 * Read once per call and recorded in the run's history.
 *
 * @example
 * const threshold = await getVariable<number>('alert_threshold', 10);
 */
export async function getVariable<T = JsonValue>(name: string, defaultValue?: T): Promise<T | undefined> {
  const problem = variableNameProblem(name);
  if (problem) throw new ValidationError('getVariable', [{ path: 'name', message: problem }]);
  const read = await readVariable!(name);
  return read.found ? (read.value as T) : defaultValue;
}
