/**
 * Global concurrency and rate limits from task code (Prefect's `concurrency()` and `rate_limit()`
 * inside a task): the task asks the limit's workflow with an update that answers once its slots
 * are granted (or after a bounded wait, when it asks again). A task waiting here holds its worker's
 * task slot while it waits: to wait without one, take the limit in the flow around the call, or
 * tag the task. The slots are given back when the block ends; if the worker dies, the limit frees
 * them once Temporal has timed the attempt out by its heartbeats (the task's `heartbeatSeconds`).
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import {
  KEYED_IDLE_SECONDS,
  keyedLimitName,
  LIMIT_RELEASE_SIGNAL,
  LIMIT_TASK_ACQUIRE_UPDATE,
  limitNameProblem,
  limitWorkflowId,
  type AcquireRequest,
  type TaskAcquireAnswer,
} from '../core/concurrency-limits';
import { BatonError, NotFoundError, ValidationError, WaitTimeoutError, type FieldIssue } from '../core/errors';
import { currentRunContext } from './run-context';

// By name, not class: 'baton' (task authoring) does not load Temporal's client (the worker has it).
const isNotFound = (err: unknown) => (err as Error | undefined)?.name === 'WorkflowNotFoundError';
const isUpdateFailed = (err: unknown): err is Error & { cause?: Error } => (err as Error | undefined)?.name === 'WorkflowUpdateFailedError';

/** Options of {@link concurrency} and {@link rateLimit} in tasks. */
export interface TaskConcurrencyOptions {
  /** Slots this block occupies. @default 1 */
  slots?: number;
  /** A per-key limit: `<name>:<key>`, made from the limit `name` (its template) on first use. */
  key?: string;
  /** Seconds to wait for the slots before failing with WaitTimeoutError; unset: as long as it takes. */
  timeoutSeconds?: number;
}

function checked(name: string, options: TaskConcurrencyOptions): { limit: string; slots: number } {
  const slots = options.slots ?? 1;
  const issues: FieldIssue[] = [];
  const nameProblem = limitNameProblem(keyedLimitName(name, options.key));
  if (nameProblem) issues.push({ path: options.key === undefined ? 'name' : 'key', message: nameProblem });
  if (!Number.isInteger(slots) || slots < 1) issues.push({ path: 'slots', message: `must be a whole number of at least 1 (got ${String(options.slots)})` });
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    issues.push({ path: 'timeoutSeconds', message: `must be a number above 0 (got ${String(options.timeoutSeconds)})` });
  }
  if (issues.length) throw new ValidationError('concurrency() options', issues);
  return { limit: keyedLimitName(name, options.key), slots };
}

async function acquire(name: string, options: TaskConcurrencyOptions, token: boolean): Promise<{ release: () => Promise<void> }> {
  const { limit, slots } = checked(name, options);
  const context = currentRunContext();
  if (!context?.temporal) throw new BatonError("concurrency() from 'baton' runs inside a task run; in flow code import it from 'baton/workflows'");
  const info = Context.current().info;
  const temporal = await context.temporal();
  const handle = temporal.workflow.getHandle(limitWorkflowId(limit));
  const leaseId = randomUUID();
  const execution = info.workflowExecution ?? { workflowId: context.flowRunId, runId: '' };
  // A local task has no pending activity to be checked by: its slot lives as long as its flow run.
  const party = info.isLocal
    ? { kind: 'task' as const, flowRunId: execution.workflowId, runId: execution.runId, taskName: context.taskName }
    : {
        kind: 'task' as const,
        flowRunId: execution.workflowId,
        runId: execution.runId,
        activityId: info.activityId,
        attempt: info.attempt,
        taskName: context.taskName,
      };
  const request: AcquireRequest = { leaseId, slots, party, ...(token ? { token: true } : {}) };
  const release = () => handle.signal(LIMIT_RELEASE_SIGNAL, { leaseId }).catch(() => undefined);
  const deadline = options.timeoutSeconds !== undefined ? Date.now() + options.timeoutSeconds * 1000 : Infinity;
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(context.signal.reason instanceof Error ? context.signal.reason : new BatonError('the task was cancelled while it waited for a slot'));
    if (context.signal.aborted) fail();
    else context.signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  let made = false;
  for (;;) {
    let answer: TaskAcquireAnswer;
    try {
      const asked = handle.executeUpdate<TaskAcquireAnswer, [AcquireRequest]>(LIMIT_TASK_ACQUIRE_UPDATE, { args: [request] });
      const timer = deadline === Infinity ? undefined : new Promise<'late'>((r) => setTimeout(() => r('late'), Math.max(0, deadline - Date.now())).unref());
      const first = await Promise.race([asked, aborted, ...(timer ? [timer] : [])]);
      if (first === 'late') {
        await release();
        asked.catch(() => undefined);
        throw new WaitTimeoutError(`no slot of the concurrency limit '${limit}' came free within ${options.timeoutSeconds} s`);
      }
      answer = first;
    } catch (err) {
      if (isNotFound(err) && options.key !== undefined && !made) {
        made = true;
        const { ConcurrencyLimits } = await import('../client/concurrency-limits');
        const limits = new ConcurrencyLimits({
          temporal,
          workflowService: temporal.workflowService,
          namespace: temporal.options.namespace,
          defaultTaskQueue: context.taskQueue ?? 'baton',
        });
        const template = await limits.get(name).catch((e: unknown) => {
          throw e instanceof NotFoundError
            ? new NotFoundError(
                `no concurrency limit named '${name}' to make the per-key limit '${limit}' from: create it first (baton concurrency-limit create ${name} --slots <n>)`,
              )
            : e;
        });
        await limits.ensure({ name: limit, slots: template.slots, slotDecayPerSecond: template.slotDecayPerSecond, active: template.active }, KEYED_IDLE_SECONDS);
        continue;
      }
      if (isNotFound(err)) throw new NotFoundError(`no concurrency limit named '${limit}': create it first (baton concurrency-limit create ${limit} --slots <n>)`);
      if (isUpdateFailed(err)) throw new ValidationError('concurrency() options', [{ path: 'slots', message: err.cause?.message ?? err.message }]);
      // Cancelled while waiting: leave the queue.
      await release();
      throw err;
    }
    if (answer.refused) throw new ValidationError(token ? 'rateLimit()' : 'concurrency() options', [{ path: answer.refusedField ?? 'slots', message: answer.refused }]);
    if (answer.granted) return { release: answer.deleted || token ? async () => undefined : async () => void (await release()) };
  }
}

/**
 * Runs `fn` holding `slots` of the global concurrency limit `name`, from task code. The task
 * waits in its worker slot; prefer `concurrency()` from `baton/workflows` around the call, or task
 * `tags`, to wait without one.
 *
 * @example
 * export const summarize = task({ name: 'summarize' }, async (doc: string) =>
 *   concurrency('llm-api', () => llm.summarize(doc)));
 */
export async function concurrency<T>(name: string, fn: () => Promise<T>, options: TaskConcurrencyOptions = {}): Promise<T> {
  const { release } = await acquire(name, options, false);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Waits for a start token of the limit `name` (Prefect's `rate_limit()`), from task code. */
export async function rateLimit(name: string, options: TaskConcurrencyOptions = {}): Promise<void> {
  await acquire(name, options, true);
}
