/**
 * Running state hooks from flow code. Each hook task runs as a task run of its own (an activity,
 * or a local activity for a local task), labelled `on-failure: notify-slack`, outside any
 * cancellation, so it runs to its end even in a cancelled run. A hook that fails is logged and
 * left failed in the history; it never changes the outcome of the run it reports on.
 *
 * Runs without hooks schedule exactly what they did before hooks existed. A run that reaches a
 * hook asks `patched()` first: a run started before its flow or task declared hooks replays
 * without them, so adding a hook never breaks the runs in flight. Sandbox-safe.
 */
import { CancellationScope, isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import { TaskFailedError, TaskTimeoutError } from '../core/errors';
import type { FlowOptions } from '../core/flow-options';
import { flowHookNames, hookRunName, type FlowHook, type FlowHookContext, type TaskHook, type TaskHookContext } from '../core/hooks';
import { RUN_NAME } from '../core/search-attributes';
import type { TaskSpec } from '../core/task-options';
import { scheduleHookTask, specOf } from './schedule-task';

const HOOKS_PATCH = 'baton.hooks';

/** Whether this run runs hooks (asked only when something declares one: runs without hooks record nothing new). */
export function hooksOn(): boolean {
  return patched(HOOKS_PATCH);
}

/** Runs each hook task in turn; a failure is logged, never thrown. */
export async function runHooks(names: readonly string[], hook: FlowHook | TaskHook, context: FlowHookContext | TaskHookContext): Promise<void> {
  if (!names.length || !hooksOn()) return;
  for (const name of names) {
    let runName = hookRunName(hook, name);
    try {
      runName = hookRunName(hook, specOf(name).name);
      await CancellationScope.nonCancellable(async () => scheduleHookTask(name, context, runName));
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause;
      log.warn(`hook ${runName} failed; the run's outcome is unchanged: ${cause?.message ?? (err as Error)?.message ?? String(err)}`, { hook, hookTask: name });
    }
  }
}

/** Runs a flow's `hook` tasks for the current run, which reached `state`. */
export async function runFlowHooks(
  flowName: string,
  options: FlowOptions<unknown>,
  hook: FlowHook,
  state: FlowHookContext['state'],
  error?: FlowHookContext['error'],
): Promise<void> {
  const names = flowHookNames(flowName, hook, options[hook]);
  if (!names.length) return;
  const info = workflowInfo();
  const runName = info.typedSearchAttributes.get(RUN_NAME);
  await runHooks(names, hook, {
    hook,
    flowName,
    flowRunId: info.workflowId,
    ...(runName ? { runName } : {}),
    state,
    attempt: info.attempt,
    ...(error ? { error } : {}),
  });
}

/** A task run's outcome, with its hooks run once it has one (when the task declares any). */
export function withTaskHooks<R>(spec: TaskSpec, taskRunName: string | undefined, outcome: Promise<R>): Promise<R> {
  const hooks = spec.hooks;
  if (!hooks) return outcome;
  const info = workflowInfo();
  const run = (hook: TaskHook, detail: Pick<TaskHookContext, 'state' | 'attempts' | 'error'>) =>
    runHooks(hooks[hook] ?? [], hook, {
      hook,
      taskName: spec.name,
      ...(taskRunName ? { taskRunName } : {}),
      flowName: info.workflowType,
      flowRunId: info.workflowId,
      ...detail,
    });
  return outcome.then(
    async (value) => {
      await run('onCompletion', { state: 'Completed' });
      return value;
    },
    async (err: unknown) => {
      if (isCancellation(err)) await run('onCancellation', { state: 'Cancelled' });
      else await run('onFailure', failedTask(err));
      throw err;
    },
  );
}

/** How a task run failed, from the error flow code sees (see failures.ts). */
function failedTask(err: unknown): Pick<TaskHookContext, 'state' | 'attempts' | 'error'> {
  const e = err instanceof Error ? err : new Error(String(err));
  const type = e instanceof TaskFailedError && !(e instanceof TaskTimeoutError) ? e.errorName : e.name;
  return {
    state: e instanceof TaskTimeoutError ? 'TimedOut' : 'Failed',
    ...(e instanceof TaskFailedError && e.attempts ? { attempts: e.attempts } : {}),
    error: { type, message: e.message },
  };
}
