/**
 * onCrashed: what a flow run cannot see itself. A terminated run, or one Temporal timed out, runs
 * no more code, so a flow with onCrashed hooks starts a watcher when its first attempt starts: a
 * child workflow (`<flow run id>/on-crashed`) that outlives it (parent close policy ABANDON),
 * waits in one activity for the run to close, and runs the hooks, as its own task runs, when it
 * closed Terminated or TimedOut. Sandbox-safe.
 */
import { CancellationScope, log, ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { FlowOptions } from '../core/flow-options';
import { AWAIT_FLOW_RUN_ACTIVITY, CRASH_WATCH_WORKFLOW, crashWatchId, flowHookNames, type CrashWatchInput, type FlowRunClosed } from '../core/hooks';
import { RUN_NAME } from '../core/search-attributes';
import { hooksOn, runHooks } from './hooks';

/** Starts the run's watcher, when its flow declares onCrashed hooks (once per flow run: on the first attempt). */
export async function watchForCrash(flowName: string, options: FlowOptions<unknown>): Promise<void> {
  const hooks = flowHookNames(flowName, 'onCrashed', options.onCrashed);
  const info = workflowInfo();
  if (!hooks.length || info.attempt > 1 || !hooksOn()) return;
  const runName = info.typedSearchAttributes.get(RUN_NAME);
  const input: CrashWatchInput = { flowRunId: info.workflowId, flowName, ...(runName ? { runName } : {}), hooks };
  try {
    // Outside the run's cancellation: cancelling the flow must not cancel its watcher.
    await CancellationScope.nonCancellable(() =>
      startChild(CRASH_WATCH_WORKFLOW, {
        workflowId: crashWatchId(info.workflowId),
        args: [input],
        taskQueue: info.taskQueue,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `on-crashed watcher: ${runName ?? info.workflowId}`,
      }),
    );
  } catch (err) {
    log.warn(`cannot start the onCrashed watcher; the run goes on without it: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** The watcher's body. */
export async function runCrashWatch(input: CrashWatchInput): Promise<FlowRunClosed & { hooksRun: boolean }> {
  const { [AWAIT_FLOW_RUN_ACTIVITY]: awaitFlowRun } = proxyActivities<Record<string, (flowRunId: string) => Promise<FlowRunClosed>>>({
    startToCloseTimeout: '3650 days',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
    summary: `waiting for ${input.flowRunId} to close`,
  });
  const { status } = await awaitFlowRun!(input.flowRunId);
  const state = status === 'TERMINATED' ? 'Crashed' : status === 'TIMED_OUT' ? 'TimedOut' : undefined;
  if (!state) return { status, hooksRun: false };
  await runHooks(input.hooks, 'onCrashed', {
    hook: 'onCrashed',
    flowName: input.flowName,
    flowRunId: input.flowRunId,
    ...(input.runName ? { runName: input.runName } : {}),
    state,
  });
  return { status, hooksRun: true };
}
