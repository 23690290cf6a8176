/**
 * State hooks (Prefect's `on_completion`, `on_failure`, `on_cancellation`, `on_running`): tasks a
 * flow or a task names in its options, run when the run reaches that state. Each hook runs as a
 * task run of its own, scheduled by the flow; what the hook task receives is defined here. Pure:
 * used in flows and in Node.
 */
import { BatonError } from './errors';

/** The hooks a flow may declare, in the order a run can reach them. */
export const FLOW_HOOKS = ['onRunning', 'onCompletion', 'onFailure', 'onCancellation', 'onCrashed'] as const;
export type FlowHook = (typeof FLOW_HOOKS)[number];

/** The hooks a task may declare. */
export const TASK_HOOKS = ['onCompletion', 'onFailure', 'onCancellation'] as const;
export type TaskHook = (typeof TASK_HOOKS)[number];

/**
 * A task a hook option names: in a flow, the handle from `tasks<typeof import('./tasks')>()` (or
 * a task declared with a `name`); in a task's options, the other task's declaration.
 */
export interface HookTask {
  readonly taskName: string | undefined;
}

/** One hook task, or several (run one after the other, in the order given). */
export type Hooks = HookTask | readonly HookTask[];

/** What a flow's hook task receives. Neither parameters nor the result: either may hold secrets. */
export interface FlowHookContext {
  /** Which hook this is. */
  hook: FlowHook;
  flowName: string;
  flowRunId: string;
  /** The flow run's name, when it has one. */
  runName?: string;
  /**
   * The state the run reached: Running, Completed, Failed, TimedOut or Cancelled; for onCrashed,
   * Crashed (terminated) or TimedOut (by Temporal's execution or run timeout).
   */
  state: 'Running' | 'Completed' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Crashed';
  /** The flow run's attempt (1, then 2... for flow retries); not known to onCrashed. */
  attempt?: number;
  /** Why the run failed (onFailure only). */
  error?: { type: string; message: string };
}

/** What a task's hook task receives. */
export interface TaskHookContext {
  hook: TaskHook;
  taskName: string;
  /** The task run's name, when it has one. */
  taskRunName?: string;
  flowName: string;
  flowRunId: string;
  /** The state the task run reached: Completed, Failed, TimedOut or Cancelled. */
  state: 'Completed' | 'Failed' | 'TimedOut' | 'Cancelled';
  /** Attempts the task made, when it failed. */
  attempts?: number;
  /** Why the task run failed (onFailure only). */
  error?: { type: string; message: string };
}

/** `onFailure` → `on-failure`: how a hook's task run is labelled. */
export function hookLabel(hook: FlowHook | TaskHook): string {
  return hook.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The run name a hook's task run is shown with: `on-failure: notify-slack`. */
export function hookRunName(hook: FlowHook | TaskHook, taskName: string): string {
  return `${hookLabel(hook)}: ${taskName}`;
}

/**
 * The tasks one hook option names, as a list. Throws, naming the option, when a value is not a
 * task or a task handle.
 */
export function hookTargets(owner: string, option: string, value: unknown): HookTask[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((item, i) => {
    const where = Array.isArray(value) ? `${option}[${i}]` : option;
    if (typeof item !== 'function' || !('taskName' in item)) {
      throw new BatonError(`${owner}: ${where} must be a task (declared with task()) or a task handle from tasks<...>(), got ${describe(item)}`);
    }
    return item as HookTask;
  });
}

/** The task names a flow's hook option names: flows see tasks by name only, so each must have one. */
export function flowHookNames(flowName: string, option: FlowHook, value: unknown): string[] {
  return hookTargets(`flow '${flowName}'`, option, value).map((t, i) => {
    if (typeof t.taskName !== 'string' || !t.taskName) {
      throw new BatonError(
        `flow '${flowName}': ${option}${Array.isArray(value) ? `[${i}]` : ''} is a task without a name: give it options.name, or pass its handle from tasks<...>()`,
      );
    }
    return t.taskName;
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string '${value}'` : `a ${typeof value}`;
}

/**
 * Workflow type of the watcher a flow with `onCrashed` starts: a child that outlives its parent
 * (parent close policy ABANDON), waits for the flow run to close, and runs the hooks when it was
 * terminated or timed out by Temporal.
 */
export const CRASH_WATCH_WORKFLOW = 'baton.crash-watch';
/** The activity the watcher waits in: it resolves with the flow run's closing status. */
export const AWAIT_FLOW_RUN_ACTIVITY = 'baton.await-flow-run';

/** What the watcher is started with. */
export interface CrashWatchInput {
  flowRunId: string;
  flowName: string;
  runName?: string;
  /** Task names of the flow's onCrashed hooks. */
  hooks: string[];
}

/** How the watched flow run closed: Temporal's execution status name (`COMPLETED`, `TERMINATED`, `TIMED_OUT`...). */
export interface FlowRunClosed {
  status: string;
}

/** The watcher's id for a flow run. */
export function crashWatchId(flowRunId: string): string {
  return `${flowRunId}/on-crashed`;
}
