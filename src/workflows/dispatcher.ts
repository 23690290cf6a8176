/**
 * The one workflow function behind every flow: Temporal calls it for any workflow type the
 * bundle does not export by name, and it runs the flow registered under that type. This is
 * what lets flow names be any string (`process-customers`), not only JavaScript identifiers.
 * Sandbox-safe.
 */
import { ApplicationFailure, CancellationScope, isCancellation, metricMeter, patched, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { FlowTimeoutError, ParameterValidationError } from '../core/errors';
import { flowRunNameFor, PARAMETERS_MEMO, parseParameters, restoreParameters, type FlowOptions } from '../core/flow-options';
import { friendlyName } from '../core/run-name';
import { RUN_NAME } from '../core/search-attributes';
import type { ZodType } from 'zod';
import { flowFailure } from './failures';
import { failureFor } from '../core/failure-details';
import { setFlowParameters } from './flow-context';
import { installHumanHandlers, setRunState } from './human';
import { MAP_SHARD_WORKFLOW } from '../core/map-shard';
import { runMapShard, type ShardInput } from './map-shard-child';
import { flowNamed, registeredFlowNames } from './registry';
import { installArtifactHandlers } from './artifacts';
import { drainGenerator, endStream, installStreamHandlers, isAsyncIterator } from './stream';
import { AUTOMATION_WORKFLOW, EVENT_WORKFLOW, type AutomationInput, type StoredEvent } from '../core/events';
import { runAutomation } from './automation';
import { flowRunEvents, runEvent } from './events';
import { runFlowHooks } from './hooks';
import { runCrashWatch, watchForCrash } from './crash-watch';
import { CRASH_WATCH_WORKFLOW, type CrashWatchInput } from '../core/hooks';
import { LIMIT_WORKFLOW, type LimitInput } from '../core/concurrency-limits';
import { runConcurrencyLimit } from './concurrency-limit';
import { deploymentConcurrency, takeDeploymentSlot } from './concurrency';
import { VARIABLES_WORKFLOW, type VariablesInput } from '../core/variables';
import { runVariables } from './variable-store';

export default async function batonFlow(params: unknown): Promise<unknown> {
  const { workflowType } = workflowInfo();
  if (workflowType === MAP_SHARD_WORKFLOW) return runMapShard(params as ShardInput);
  if (workflowType === EVENT_WORKFLOW) return runEvent(params as StoredEvent);
  if (workflowType === AUTOMATION_WORKFLOW) return runAutomation(params as AutomationInput);
  if (workflowType === CRASH_WATCH_WORKFLOW) return runCrashWatch(params as CrashWatchInput);
  if (workflowType === LIMIT_WORKFLOW) return runConcurrencyLimit(params as LimitInput);
  if (workflowType === VARIABLES_WORKFLOW) return runVariables(params as VariablesInput);
  const flow = flowNamed(workflowType);
  if (!flow) {
    throw ApplicationFailure.nonRetryable(
      `no flow named '${workflowType}' is registered with this worker (it has: ${registeredFlowNames().join(', ') || 'none'})`,
      'FlowNotFound',
    );
  }
  installHumanHandlers();
  installStreamHandlers();
  installArtifactHandlers();
  const { attempt, retryPolicy } = workflowInfo();
  // A run of a deployment with a concurrency limit reads Pending until it holds a slot.
  const slot = deploymentConcurrency();
  setRunState(slot ? 'Pending' : attempt > 1 ? 'Retrying' : 'Running');
  let releaseSlot: (() => Promise<void>) | undefined;
  const emit = flowRunEvents();
  await emit?.('started');
  // A cancel request reads Cancelling until the flow's cleanup is done.
  CancellationScope.current().cancelRequested.catch(() => setRunState('Cancelling'));
  try {
    if (slot) {
      releaseSlot = await takeDeploymentSlot(slot);
      setRunState(attempt > 1 ? 'Retrying' : 'Running');
    }
    // Baton's edges parse parameters and send them complete: then this only restores types such
    // as dates, and a redeploy that changes a default cannot change a run in flight. A run started
    // around them (Temporal's UI or CLI) is parsed here, bad parameters failing it at once.
    const schema = flow.options.parameters as ZodType | undefined;
    const fromEdge = workflowInfo().memo?.[PARAMETERS_MEMO] === 'parsed';
    const parsed = fromEdge ? restoreParameters(schema, params) : parseParameters(flow.flowName, schema, params);
    setFlowParameters(params ?? {});
    // Runs started by a schedule arrive without a run name: give them one, as Prefect does.
    if (!workflowInfo().typedSearchAttributes.get(RUN_NAME)) {
      let name: string | undefined;
      try {
        name = flowRunNameFor(flow.options as FlowOptions<unknown>, parsed);
      } catch {
        name = undefined;
      }
      // Math.random is seeded per run inside the sandbox, so the name is the same on replay.
      upsertSearchAttributes([{ key: RUN_NAME, value: name ?? friendlyName((n) => Math.floor(Math.random() * n)) }]);
    }
    const options = flow.options as FlowOptions<unknown>;
    await watchForCrash(flow.flowName, options);
    await runFlowHooks(flow.flowName, options, 'onRunning', 'Running');
    const result = await withFlowTimeout(flow.options.timeoutSeconds, async () => {
      // An `async function*` flow returns a generator: each `yield` is published as it happens.
      const body: unknown = (flow.fn as (params: unknown) => unknown)(parsed);
      return isAsyncIterator(body) ? drainGenerator(body) : body;
    });
    await emit?.('completed');
    await runFlowHooks(flow.flowName, options, 'onCompletion', 'Completed');
    countFlowRun(flow.flowName, 'Completed');
    return result;
  } catch (err) {
    const failure = err instanceof ParameterValidationError ? failureFor(err, { nonRetryable: true }) : flowFailure(err);
    if (failure instanceof ApplicationFailure) {
      const type = failure.type ?? '';
      const maxAttempts = retryPolicy?.maximumAttempts ?? 1;
      const retried = !failure.nonRetryable && !retryPolicy?.nonRetryableErrorTypes?.includes(type) && (maxAttempts === 0 || attempt < maxAttempts);
      // What the run reads once this attempt has failed: the next attempt, or how it ended.
      if (retried) setRunState('Retrying');
      else if (TIMEOUT_TYPES.has(type)) setRunState('TimedOut');
      if (!retried) {
        await emit?.('failed', { error: { type, message: failure.message } });
        const timedOut = TIMEOUT_TYPES.has(type);
        await runFlowHooks(flow.flowName, flow.options as FlowOptions<unknown>, 'onFailure', timedOut ? 'TimedOut' : 'Failed', { type, message: failure.message });
        // A later attempt started as Retrying: its last failure must not read so (nor be taken for
        // an attempt a retry superseded). Runs from before this record nothing here and replay as they ran.
        if (!timedOut && attempt > 1 && patched(FINAL_FAILURE_PATCH)) setRunState('Failed');
      }
      countFlowRun(flow.flowName, retried ? 'Retrying' : TIMEOUT_TYPES.has(type) ? 'TimedOut' : 'Failed');
    } else if (isCancellation(err)) {
      await emit?.('cancelled');
      await runFlowHooks(flow.flowName, flow.options as FlowOptions<unknown>, 'onCancellation', 'Cancelled');
      countFlowRun(flow.flowName, 'Cancelled');
    }
    throw failure;
  } finally {
    await releaseSlot?.();
    endStream();
  }
}

/**
 * `baton_flow_runs`: flow run attempts by flow and how they ended, and `baton_flow_duration`: how
 * long each took from its start, in ms of workflow time; through Temporal's workflow metric meter
 * (not recorded again on replay; exported when the worker serves metrics).
 */
function countFlowRun(flow: string, state: 'Completed' | 'Failed' | 'Retrying' | 'TimedOut' | 'Cancelled'): void {
  metricMeter.createCounter('baton_flow_runs', 'runs', 'Flow run attempts by flow and how they ended').add(1, { flow, state });
  const ms = Math.max(0, Date.now() - workflowInfo().runStartTime.getTime());
  metricMeter.createHistogram('baton_flow_duration', 'int', 'ms', 'Milliseconds a flow run attempt took, from its start').record(ms, { flow, state });
}

/** Failure types that end a run TimedOut rather than Failed. */
const TIMEOUT_TYPES = new Set(['FlowTimeoutError', 'WaitTimeoutError']);

/** Marks runs that publish `Failed` when a retried flow's last attempt fails. */
const FINAL_FAILURE_PATCH = 'baton.final-failure-state';

/**
 * Runs the flow's body under its `timeoutSeconds`, counted from when the body starts (time spent
 * queued for a worker does not count, as in Prefect). When time is up the body is cancelled
 * (its running tasks are asked to stop) and the attempt fails with FlowTimeoutError.
 */
async function withFlowTimeout<T>(timeoutSeconds: number | undefined, body: () => Promise<T>): Promise<T> {
  if (!timeoutSeconds) return body();
  const scope = new CancellationScope();
  const run = scope.run(body);
  const timer = new CancellationScope();
  const expired = timer
    .run(() => sleep(timeoutSeconds * 1000))
    .then(() => {
      scope.cancel();
      throw failureFor(new FlowTimeoutError(`the flow run did not finish within its timeout of ${timeoutSeconds} s`, timeoutSeconds));
    });
  try {
    return await Promise.race([run, expired]);
  } finally {
    timer.cancel();
    // The loser of the race settles later; its outcome is already accounted for.
    expired.catch(() => undefined);
    run.catch(() => undefined);
  }
}
