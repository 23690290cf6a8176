/**
 * `client.variables`: JSON values by name, shared by flows, tasks and people (Prefect's
 * `Variable.set/get`). They live in the namespace's variables store, one long-running workflow
 * (see core/variables.ts): a write is an Update-with-Start (the store begins on the first write,
 * on this client's task queue), a read a query. Input is checked here, before anything is sent.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BatonError, ConflictError, NotFoundError, ValidationError, WorkerUnavailableError } from '../core/errors';
import {
  setRequestProblems,
  VARIABLE_DELETE_UPDATE,
  VARIABLE_FAILURE,
  VARIABLE_GET_QUERY,
  VARIABLE_LIST_QUERY,
  VARIABLE_SET_UPDATE,
  VARIABLES_WORKFLOW,
  VARIABLES_WORKFLOW_ID,
  variableNameProblem,
  type DeleteVariableRequest,
  type JsonValue,
  type SetVariableRequest,
  type Variable,
  type VariablesInput,
} from '../core/variables';
import type { ClientContext } from './client-context';
import { isNoPoller } from './temporal-values';

/** Milliseconds a read or a write waits for the store's worker before WorkerUnavailableError: less than the API's wait for Temporal (10 s), so the API says which is missing. */
const WAIT_MS = 8_000;

export interface SetVariableOptions {
  /** Replace the variable's tags; left out, a write keeps the tags it overwrites. */
  tags?: string[];
  /** false: throw ConflictError when the variable exists instead of replacing it. @default true */
  overwrite?: boolean;
  /** Write only if the variable is at this version (ConflictError otherwise). */
  ifVersion?: number;
}

/** A gRPC DEADLINE_EXCEEDED, as the SDK wraps it (a ServiceError whose cause has code 4). */
function isDeadline(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || cause?.code === 4 || (err as { code?: unknown } | undefined)?.code === 4;
}

const unavailable = () =>
  new WorkerUnavailableError(
    `no worker answered for the variables store '${VARIABLES_WORKFLOW_ID}' within ${WAIT_MS / 1000} s: it is kept by a workflow on the task queue it was first written from, and a worker must poll that queue`,
    VARIABLES_WORKFLOW_ID,
  );

/** The store's refusal (an update validator's ApplicationFailure) as Baton's error. */
function refusal(err: unknown): unknown {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return err;
  const { type, message } = err.cause;
  if (type === VARIABLE_FAILURE.notFound) return new NotFoundError(message);
  if (type === VARIABLE_FAILURE.conflict) return new ConflictError(message);
  if (type === VARIABLE_FAILURE.invalid) return Object.assign(new ValidationError('variable', []), { message });
  return new BatonError(`the variables store refused the write: ${message}`);
}

function checkName(name: unknown, target: string): asserts name is string {
  const problem = variableNameProblem(name);
  if (problem) throw new ValidationError(target, [{ path: 'name', message: problem }]);
}

export class Variables {
  constructor(private readonly ctx: Pick<ClientContext, 'temporal' | 'defaultTaskQueue'>) {}

  private get handle() {
    return this.ctx.temporal.workflow.getHandle(VARIABLES_WORKFLOW_ID);
  }

  /** Runs a call to the store within the wait, turning its errors into Baton's. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.ctx.temporal.withDeadline(Date.now() + WAIT_MS, work);
    } catch (err) {
      const refused = refusal(err);
      if (refused !== err) throw refused;
      if (isDeadline(err) || isNoPoller(err)) throw unavailable();
      throw err;
    }
  }

  /**
   * Creates or replaces a variable; resolves to it with its new version. Throws ValidationError
   * for a bad name, tag or value (not JSON, over 64 KiB), ConflictError when `overwrite: false`
   * finds it or `ifVersion` does not match, WorkerUnavailableError when no worker keeps the store.
   */
  async set(name: string, value: JsonValue, options: SetVariableOptions = {}): Promise<Variable> {
    const request: SetVariableRequest = {
      name,
      value,
      ...(options.tags !== undefined ? { tags: options.tags } : {}),
      ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
      ...(options.ifVersion !== undefined ? { ifVersion: options.ifVersion } : {}),
    };
    const issues = setRequestProblems(request);
    if (issues.length) throw new ValidationError('variable', issues);
    return this.call(() =>
      this.ctx.temporal.workflow.executeUpdateWithStart<() => Promise<void>, Variable, [SetVariableRequest]>(VARIABLE_SET_UPDATE, {
        args: [request],
        startWorkflowOperation: new WithStartWorkflowOperation(VARIABLES_WORKFLOW, {
          workflowId: VARIABLES_WORKFLOW_ID,
          taskQueue: this.ctx.defaultTaskQueue,
          args: [{} satisfies VariablesInput],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: 'Baton variables',
        }) as unknown as WithStartWorkflowOperation<() => Promise<void>>,
      }),
    );
  }

  /** The variable named `name`, or undefined when there is none. */
  async get(name: string): Promise<Variable | undefined> {
    checkName(name, 'variable');
    try {
      return (await this.call(() => this.handle.query<Variable | null, [string]>(VARIABLE_GET_QUERY, name))) ?? undefined;
    } catch (err) {
      // No store yet: nothing was ever set in this namespace.
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Every variable, by name. */
  async list(): Promise<Variable[]> {
    try {
      return await this.call(() => this.handle.query<Variable[]>(VARIABLE_LIST_QUERY));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }

  /**
   * Removes a variable; resolves to what it held. NotFoundError when there is none, ConflictError
   * when `ifVersion` does not match.
   */
  async delete(name: string, options: { ifVersion?: number } = {}): Promise<Variable> {
    checkName(name, 'variable');
    if (options.ifVersion !== undefined && !(Number.isInteger(options.ifVersion) && options.ifVersion >= 1)) {
      throw new ValidationError('variable', [{ path: 'ifVersion', message: 'must be a whole number ≥ 1' }]);
    }
    const request: DeleteVariableRequest = { name, ...(options.ifVersion !== undefined ? { ifVersion: options.ifVersion } : {}) };
    try {
      return await this.call(() => this.handle.executeUpdate<Variable, [DeleteVariableRequest]>(VARIABLE_DELETE_UPDATE, { args: [request] }));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no variable named '${name}'`);
      throw err;
    }
  }
}
