/**
 * Variables read by workers: `getVariable(name, default?)` in task code (Prefect's `Variable.get`),
 * and the local activity a flow's `getVariable` reads through. Both ask the namespace's variables
 * store (see core/variables.ts) with a query, through the worker's own Temporal client.
 */
import type { Client } from '@temporalio/client';
import { BatonError, ValidationError, WorkerUnavailableError } from '../core/errors';
import { GET_VARIABLE_ACTIVITY, VARIABLE_GET_QUERY, VARIABLES_WORKFLOW_ID, variableNameProblem, type JsonValue, type Variable } from '../core/variables';
import { currentRunContext } from './run-context';

/** How long a read waits for the store's worker to answer. */
const READ_DEADLINE_MS = 10_000;

/** A gRPC DEADLINE_EXCEEDED, as the SDK wraps it. */
const isDeadline = (err: unknown) => (err as { cause?: { code?: unknown } })?.cause?.code === 4 || (err as { code?: unknown })?.code === 4;

/** The variable named `name`, or undefined when there is none (or no store yet). */
export async function readVariable(client: Client, name: string): Promise<Variable | undefined> {
  const problem = variableNameProblem(name);
  if (problem) throw new ValidationError('getVariable', [{ path: 'name', message: problem }]);
  try {
    const found = await client.withDeadline(Date.now() + READ_DEADLINE_MS, () =>
      client.workflow.getHandle(VARIABLES_WORKFLOW_ID).query<Variable | null, [string]>(VARIABLE_GET_QUERY, name),
    );
    return found ?? undefined;
  } catch (err) {
    // No store yet: nothing was ever set in this namespace.
    if ((err as { name?: string }).name === 'WorkflowNotFoundError') return undefined;
    if (isDeadline(err)) {
      throw new WorkerUnavailableError(
        `no worker answered for the variables store '${VARIABLES_WORKFLOW_ID}' within ${READ_DEADLINE_MS / 1000} s: it is kept by a workflow on the task queue it was first written from`,
        VARIABLES_WORKFLOW_ID,
      );
    }
    throw err;
  }
}

/**
 * The variable's value, or `defaultValue` (undefined without one) when no variable has that name.
 * For task code; in a flow, import `getVariable` from 'baton/workflows'.
 *
 * @example
 * const endpoint = await getVariable<string>('crm_endpoint', 'https://crm.example.com');
 */
export async function getVariable<T = JsonValue>(name: string, defaultValue?: T): Promise<T | undefined> {
  const client = currentRunContext()?.temporal;
  if (!client) throw new BatonError(`getVariable() from 'baton' reads through a worker's client, in task code; in a flow, import it from 'baton/workflows'`);
  const found = await readVariable(await client(), name);
  return found ? (found.value as T) : defaultValue;
}

/** The local activity behind a flow's `getVariable`: its answer is recorded in the flow's history. */
export function variableActivities(client: () => Promise<Client>): Record<string, (name: string) => Promise<{ found: boolean; value?: JsonValue }>> {
  return {
    [GET_VARIABLE_ACTIVITY]: async (name) => {
      const found = await readVariable(await client(), name);
      return found ? { found: true, value: found.value } : { found: false };
    },
  };
}
