/**
 * Runs a task as a Temporal activity: sets up its run context and logger, heartbeats while it
 * runs, enforces its timeout, and turns its failures into Temporal failures that carry Baton's
 * retry decision (retry after a delay, or stop).
 *
 * Retries are counted in the heartbeat details, not by Temporal's attempt number, so an attempt
 * lost to a crashed worker (a heartbeat timeout) re-runs the task without using up its retries.
 * A local task (a local activity) cannot heartbeat: its worker is the flow's, and a crash re-runs
 * it from its first attempt, so Temporal's attempt number counts its failures exactly.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { BatonError, NonRetryableError, TaskTimeoutError } from '../core/errors';
import { failureFor } from '../core/failure-details';
import type { LocalStreamedResult, TaskSpec } from '../core/task-options';
import type { Task } from './task';
import { FLOW_PARAMETERS_ARG, type CachedResult } from '../core/cache-policy';
import { cacheKey, sha256 } from './cache-key';
import type { CacheStore } from './cache-store';
import { callThroughCache } from './cached-call';
import { retryDelaySeconds, stopReason } from './retry-decision';
import { runWithContext, type InternalRunContext, type RunContext } from './run-context';
import { streamTarget, TaskStream } from './task-stream';
import { TaskArtifacts } from './task-artifacts';
import type { Client } from '@temporalio/client';
import { traceFields } from './trace-fields';
import { anySecretRead, redactSecretValues, secretNameIn } from './secret-values';
import { recordCacheLookup, recordStreamItems, recordTaskAttempt, taskMetricsEnabled, type AttemptOutcome } from './task-metrics';

/**
 * Local task runs (flow run id, run and activity id) an attempt of which streamed in this process:
 * their next attempt tells readers to drop that output. A local task's attempts all run here.
 */
const localStreamed = new Set<string>();

/** How long a retryCondition may take before the task is failed without retry. */
const RETRY_CONDITION_TIMEOUT_MS = 30_000;

interface AttemptDetails {
  /** Failed attempts before this one. */
  failures: number;
  /** What the task last passed to `heartbeat()`. */
  user?: unknown;
  /** Whether an attempt so far streamed chunks to the flow run (a later attempt then marks them discarded). */
  streamed?: boolean;
}

function readDetails(raw: unknown): AttemptDetails {
  if (raw && typeof raw === 'object' && typeof (raw as AttemptDetails).failures === 'number') {
    return raw as AttemptDetails;
  }
  return { failures: 0 };
}

/** Splits off the hidden flow-parameters argument a flow adds for tasks keyed on them. */
export function splitArguments(spec: TaskSpec, received: unknown[]): { args: unknown[]; flowParameters: unknown } {
  const last = received[received.length - 1];
  if (spec.cache?.flowParameters && last && typeof last === 'object' && FLOW_PARAMETERS_ARG in last) {
    return { args: received.slice(0, -1), flowParameters: (last as Record<string, unknown>)[FLOW_PARAMETERS_ARG] };
  }
  return { args: received, flowParameters: undefined };
}

/** The cache key of one call, or undefined when this call does not use the cache. */
export function callCacheKey(
  t: Task,
  spec: TaskSpec,
  args: unknown[],
  flowParameters: unknown,
  flowRunId: string,
  flowName: string,
  logger: Logger,
): string | undefined {
  const options = t.options;
  try {
    if (options.cacheKeyFn) {
      const custom = options.cacheKeyFn({ taskName: spec.name, flowRunId, flowName, flowParameters }, ...(args as never[]));
      return custom === undefined || custom === null ? undefined : sha256(`${spec.name}\0${String(custom)}`);
    }
    if (!options.cachePolicy || options.cachePolicy.isNone) return undefined;
    const taskSource = Function.prototype.toString.call(t.fn);
    return cacheKey({ taskName: spec.name, policy: options.cachePolicy, args, paramNames: spec.paramNames, taskSource, flowRunId, flowParameters });
  } catch (err) {
    logger.warn({ err, taskName: spec.name }, 'cannot compute a cache key: running without the cache');
    return undefined;
  }
}

/**
 * The error with every secret value the worker read cut out of its message and stack (and its
 * causes'), before it becomes the failure recorded in the flow run's history.
 */
export function withoutSecrets(error: Error): Error {
  if (!anySecretRead()) return error;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    for (const key of ['message', 'stack'] as const) {
      const text = e[key];
      if (typeof text === 'string') {
        const clean = redactSecretValues(text);
        if (clean !== text) Object.defineProperty(e, key, { value: clean, configurable: true, writable: true, enumerable: false });
      }
    }
    // The error's own fields go into the failure too: a Baton error's domain fields (a
    // ValidationError's issues) as its details, an ApplicationFailure's details as they are.
    for (const key of Object.keys(e)) {
      if (key === 'cause') continue;
      const value = (e as unknown as Record<string, unknown>)[key];
      const clean = redactedValue(value);
      if (clean !== value) Object.defineProperty(e, key, { value: clean, configurable: true, writable: true, enumerable: true });
    }
  }
  return error;
}

/** A field's value with secret values cut out (the same value when it holds none). */
function redactedValue(value: unknown): unknown {
  if (typeof value === 'string') return redactSecretValues(value);
  if (value === null || typeof value !== 'object') return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return value; // not data (a cycle): Temporal's converter cannot carry it either
  }
  if (text === undefined) return value;
  const clean = redactSecretValues(text);
  if (clean === text) return value;
  try {
    return JSON.parse(clean) as unknown;
  } catch {
    return '[redacted]';
  }
}

/** Builds the activity function that runs `t`. */
export function taskActivity(
  t: Task,
  spec: TaskSpec,
  baseLogger: Logger,
  store?: CacheStore,
  lockLeaseMs = 30_000,
  /** A client for the task's stream (opened on first use). */
  streamClient?: () => Promise<Client>,
): (...args: unknown[]) => Promise<unknown> {
  const options = t.options;

  const keyFor = (args: unknown[], flowParameters: unknown, context: RunContext) =>
    callCacheKey(t, spec, args, flowParameters, context.flowRunId, context.flowName, context.logger);

  const run = async (...received: unknown[]): Promise<unknown> => {
    const { args, flowParameters } = splitArguments(spec, received);
    const ctx = Context.current();
    const info = ctx.info;
    const local = info.isLocal;
    const localKey = `${info.workflowExecution?.runId ?? ''}:${info.activityId}`;
    const previous: AttemptDetails = local ? { failures: info.attempt - 1, streamed: localStreamed.has(localKey) } : readDetails(info.heartbeatDetails);
    const failures = previous.failures;
    let details: AttemptDetails = { failures, user: previous.user, streamed: previous.streamed };
    const flowRunId = info.workflowExecution?.workflowId ?? '';
    const taskRunId = `${flowRunId}:${info.activityId}`;
    // The attempt's span, read while it is active (a traced worker's); the logger is made on first use: most tasks never log.
    const traced = traceFields();
    let logger: Logger | undefined;
    const log = () => (logger ??= baseLogger.child({ flowRunId, flowName: info.workflowType, taskRunId, taskName: spec.name, attempt: info.attempt, ...traced }));
    // A task with a timeout gets its own signal, aborted on cancel or on timeout; otherwise the
    // activity's cancellation signal is the task's.
    const controller = spec.timeoutSeconds !== undefined ? new AbortController() : undefined;
    const onCancel = () => controller!.abort(ctx.cancellationSignal.reason);
    if (controller) ctx.cancellationSignal.addEventListener('abort', onCancel);

    // Local activities have nothing to heartbeat to; a task's own heartbeat() is then a no-op.
    const send = local ? () => void (details.streamed && localStreamed.add(localKey)) : () => ctx.heartbeat(details);
    const heartbeat = (user?: unknown) => {
      // Heartbeat details are kept by Temporal (and recorded in a timed-out attempt's failure): never a secret.
      const secret = user !== undefined && anySecretRead() ? secretNameIn(JSON.stringify(user) ?? '') : undefined;
      if (secret) throw new BatonError(`heartbeat() refused details holding the secret '${secret}': Temporal keeps them, and secrets never reach it`);
      if (user !== undefined) details = { ...details, user };
      send();
    };
    let stream: TaskStream | undefined;
    const taskStream = () => {
      if (!streamClient) throw new Error('this worker cannot stream: it was created without a Temporal client for streams');
      const counted = taskMetricsEnabled() ? (items: number) => recordStreamItems(ctx.metricMeter, spec.name, items) : undefined;
      return (stream ??= new TaskStream(
        streamTarget(info),
        { taskRunId, taskName: spec.name, attempt: info.attempt },
        streamClient,
        log,
        () => {
          // Recorded at once, so an attempt after a crash knows this one's output must be discarded.
          details = { ...details, streamed: true };
          send();
        },
        counted,
      ));
    };
    // An earlier attempt streamed: tell the flow run its output is replaced, even if this one streams nothing.
    if (previous.streamed && info.attempt > 1 && streamClient) taskStream().announceAttempt();
    const ticker = local ? undefined : setInterval(send, Math.max(100, (spec.heartbeatSeconds * 1000) / 3));
    let timer: NodeJS.Timeout | undefined;
    const context: InternalRunContext = {
      flowRunId,
      flowName: info.workflowType ?? '',
      taskRunId,
      taskName: spec.name,
      attempt: info.attempt,
      failures,
      get logger() {
        return log();
      },
      signal: controller?.signal ?? ctx.cancellationSignal,
      heartbeat,
      stream: (...args: unknown[]) => taskStream().push(args),
      logPrints: options.logPrints ?? false,
      temporal: streamClient,
      taskQueue: info.taskQueue,
      artifacts: streamClient ? new TaskArtifacts(streamTarget(info), { taskRunId, taskName: spec.name, attempt: info.attempt }, streamClient) : undefined,
    } as InternalRunContext;
    let settled = false;
    const began = performance.now();
    let outcome: AttemptOutcome = 'Completed';
    try {
      const attempt = () => runAttempt(context, args, (t2) => (timer = t2), controller);
      const result = await runOnce(attempt, args, flowParameters, context, ctx.cancellationSignal);
      settled = true;
      return local && details.streamed ? ({ batonLocalStreamed: true, value: result } satisfies LocalStreamedResult) : result;
    } catch (err) {
      // Cancelled from the flow: report a cancellation, whatever error the task turned it into.
      if (ctx.cancellationSignal.aborted) {
        settled = true;
        outcome = 'Cancelled';
        throw err instanceof CancelledFailure ? err : new CancelledFailure(`task ${spec.name} was cancelled`);
      }
      const failure = await decide(err, context, details.streamed, local);
      settled = failure.nonRetryable === true;
      outcome = settled ? 'Failed' : 'Retrying';
      throw failure;
    } finally {
      if (taskMetricsEnabled()) recordTaskAttempt(ctx.metricMeter, spec.name, outcome, info.attempt, performance.now() - began);
      // Everything streamed reaches the flow run before the task's result does.
      if (stream) await stream.flush();
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      if (controller) ctx.cancellationSignal.removeEventListener('abort', onCancel);
      if (local && settled) localStreamed.delete(localKey);
    }
  };

  /** One attempt, through the cache when the task has one. */
  const runOnce = async (
    attempt: () => Promise<unknown>,
    args: unknown[],
    flowParameters: unknown,
    context: RunContext & { logPrints: boolean },
    cancelled: AbortSignal,
  ): Promise<unknown> => {
    if (!spec.cache) return await attempt();
    const key = store ? keyFor(args, flowParameters, context) : undefined;
    // A task declared with a cache that cannot key this call runs uncached, its result marked so.
    if (!key || !store) return { batonCache: 'miss', key: '', value: await attempt() } satisfies CachedResult;
    const answered = await callThroughCache(
      {
        key,
        taskName: spec.name,
        store,
        refresh: options.refreshCache ?? false,
        expirationSeconds: options.cacheExpirationSeconds,
        lockLeaseMs,
        logger: () => context.logger,
        cancelled,
      },
      attempt,
    );
    if (taskMetricsEnabled()) recordCacheLookup(Context.current().metricMeter, spec.name, answered.batonCache);
    return answered;
  };

  /** Runs the task function once, under its timeout. */
  const runAttempt = async (
    context: RunContext & { logPrints: boolean },
    args: unknown[],
    setTimer: (t: NodeJS.Timeout) => void,
    controller: AbortController | undefined,
  ): Promise<unknown> => {
    const work = runWithContext(context, () => Promise.resolve().then(() => t.fn(...args))).then(refuseSecrets);
    if (!controller) return work;
    const timeout = new Promise<never>((_, reject) => {
      setTimer(
        setTimeout(() => {
          const err = new TaskTimeoutError(`task ${spec.name} timed out after ${spec.timeoutSeconds} s`);
          controller.abort(err);
          reject(err);
        }, spec.timeoutSeconds! * 1000),
      );
    });
    return Promise.race([work, timeout]);
  };

  /** A result holding a secret the worker read fails the task: the result would be kept in the flow's history. */
  const refuseSecrets = (result: unknown): unknown => {
    if (!anySecretRead() || result === undefined) return result;
    let json: string | undefined;
    try {
      json = JSON.stringify(result);
    } catch {
      json = undefined;
    }
    const secret = json === undefined ? undefined : secretNameIn(json);
    if (secret) {
      throw new NonRetryableError(
        `task ${spec.name} returned a value holding the secret '${secret}': a task's result is kept in its flow run's history, which secrets never reach; return what you derive from it instead`,
      );
    }
    return result;
  };

  /** Turns a task's error into a Temporal failure that says whether, and when, to retry. */
  const decide = async (err: unknown, context: RunContext, streamed: boolean | undefined, local: boolean): Promise<ApplicationFailure> => {
    const failures = context.failures + 1;
    const error = withoutSecrets(err instanceof Error ? err : new Error(String(err)));
    const reason = stopReason(err, failures, spec, options) ?? (await askRetryCondition(err, { ...context, failures }));
    const failure = (nonRetryable: boolean, nextRetryDelayMs?: number) =>
      failureFor(error, {
        // A task rethrowing a Temporal failure keeps its type; Baton errors keep their fields.
        type: err instanceof ApplicationFailure && err.type ? err.type : undefined,
        nonRetryable,
        // A local task that streamed says so: the flow lets the stream's signals in before it goes on.
        context: { taskName: spec.name, failures, retries: spec.retries, ...(local && streamed ? { localStreamed: true } : {}) },
        nextRetryDelayMs,
        cause: null,
      });
    if (reason) {
      context.logger.error({ err: error }, `task failed (${reason}): ${error.message}`);
      return failure(true);
    }
    const delay = retryDelaySeconds(err, failures, options);
    // Record the failure count before failing, so the next attempt (on any worker) sees it.
    if (!local) Context.current().heartbeat({ failures, streamed } satisfies AttemptDetails);
    context.logger.warn({ err: error, retryInSeconds: delay }, `task failed, retry ${failures} of ${spec.retries} in ${delay} s: ${error.message}`);
    // Temporal treats a zero delay as unset; one millisecond is as good as immediate.
    return failure(false, Math.max(1, Math.round(delay * 1000)));
  };

  /** The user's retryCondition, bounded in time: undefined to retry, else why not. */
  const askRetryCondition = async (err: unknown, context: RunContext): Promise<string | undefined> => {
    if (!options.retryCondition) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${RETRY_CONDITION_TIMEOUT_MS / 1000} s`)), RETRY_CONDITION_TIMEOUT_MS);
      });
      const answer = await Promise.race([Promise.resolve(options.retryCondition(err, context)), limit]);
      return answer ? undefined : 'retryCondition said no';
    } catch (conditionError) {
      return `retryCondition failed: ${(conditionError as Error)?.message ?? conditionError}`;
    } finally {
      clearTimeout(timer);
    }
  };
  return run;
}
