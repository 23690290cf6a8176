/**
 * Runs a task as a Temporal activity: sets up its run context and logger, heartbeats while it
 * runs, enforces its timeout, and turns its failures into Temporal failures that carry Baton's
 * retry decision (retry after a delay, or stop).
 *
 * Retries are counted in the heartbeat details, not by Temporal's attempt number, so an attempt
 * lost to a crashed worker (a heartbeat timeout) re-runs the task without using up its retries.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { BatonError, NonRetryableError, RetryAfterError, TaskTimeoutError } from '../core/errors';
import { detailFor } from '../core/failure-details';
import { retryDelayFor, type TaskSpec } from '../core/task-options';
import type { Task } from './task';
import { FLOW_PARAMETERS_ARG, type CachedResult } from '../core/cache-policy';
import { cacheKey, sha256 } from './cache-key';
import type { CacheLock, CacheStore } from './cache-store';
import { runWithContext, type RunContext } from './run-context';

/** The longest wait before a retry: 30 days. */
const MAX_RETRY_DELAY_SECONDS = 30 * 86_400;
/** How long a retryCondition may take before the task is failed without retry. */
const RETRY_CONDITION_TIMEOUT_MS = 30_000;

interface AttemptDetails {
  /** Failed attempts before this one. */
  failures: number;
  /** What the task last passed to `heartbeat()`. */
  user?: unknown;
}

function readDetails(raw: unknown): AttemptDetails {
  if (raw && typeof raw === 'object' && typeof (raw as AttemptDetails).failures === 'number') {
    return raw as AttemptDetails;
  }
  return { failures: 0 };
}

function matches(err: unknown, matcher: NonNullable<Task['options']['nonRetryableErrors']>[number]): boolean {
  if (typeof matcher === 'string') return (err as Error)?.name === matcher;
  return err instanceof matcher;
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

/** Builds the activity function that runs `t`. */
export function taskActivity(
  t: Task,
  spec: TaskSpec,
  baseLogger: Logger,
  store?: CacheStore,
  lockLeaseMs = 30_000,
): (...args: unknown[]) => Promise<unknown> {
  const options = t.options;

  const keyFor = (args: unknown[], flowParameters: unknown, context: RunContext) =>
    callCacheKey(t, spec, args, flowParameters, context.flowRunId, context.flowName, context.logger);

  const run = async (...received: unknown[]): Promise<unknown> => {
    const { args, flowParameters } = splitArguments(spec, received);
    const ctx = Context.current();
    const info = ctx.info;
    const previous = readDetails(info.heartbeatDetails);
    const failures = previous.failures;
    let details: AttemptDetails = { failures, user: previous.user };
    const flowRunId = info.workflowExecution?.workflowId ?? '';
    const taskRunId = `${flowRunId}:${info.activityId}`;
    // Made on first use: most tasks never log.
    let logger: Logger | undefined;
    const log = () => (logger ??= baseLogger.child({ flowRunId, taskRunId, taskName: spec.name, attempt: info.attempt }));
    // A task with a timeout gets its own signal, aborted on cancel or on timeout; otherwise the
    // activity's cancellation signal is the task's.
    const controller = spec.timeoutSeconds !== undefined ? new AbortController() : undefined;
    const onCancel = () => controller!.abort(ctx.cancellationSignal.reason);
    if (controller) ctx.cancellationSignal.addEventListener('abort', onCancel);

    const heartbeat = (user?: unknown) => {
      if (user !== undefined) details = { failures, user };
      ctx.heartbeat(details);
    };
    const ticker = setInterval(() => ctx.heartbeat(details), Math.max(100, (spec.heartbeatSeconds * 1000) / 3));
    let timer: NodeJS.Timeout | undefined;
    const context: RunContext & { logPrints: boolean } = {
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
      logPrints: options.logPrints ?? false,
    };
    try {
      const key = spec.cache && store ? keyFor(args, flowParameters, context) : undefined;
      if (key && !options.refreshCache) {
        const hit = await store!.get(key);
        if (hit) {
          log().info({ cacheKey: key }, 'cache hit: returning the stored result');
          return { batonCache: 'hit', key, value: hit.value } satisfies CachedResult;
        }
      }
      // A shared store: hold the key's lock while computing, or wait for whoever holds it.
      let lock: CacheLock | undefined;
      if (key && store?.acquire) {
        for (;;) {
          lock = await store.acquire(key, lockLeaseMs);
          if (!options.refreshCache) {
            const hit = await store.get(key);
            if (hit) {
              await lock?.release();
              log().info({ cacheKey: key }, 'cache hit after waiting for another worker');
              return { batonCache: 'hit', key, value: hit.value } satisfies CachedResult;
            }
          }
          if (lock) break;
          if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`task ${spec.name} was cancelled`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const renewal = lock ? setInterval(() => void lock!.renew().catch(() => undefined), Math.max(100, lockLeaseMs / 3)) : undefined;
      try {
        const value = await runAttempt(context, args, (t2) => (timer = t2), controller);
        if (!spec.cache) return value;
        if (key) {
          const now = Date.now();
          const ttl = options.cacheExpirationSeconds;
          await store!.set({
            key,
            taskName: spec.name,
            createdAt: new Date(now).toISOString(),
            expiresAt: ttl === undefined ? null : new Date(now + ttl * 1000).toISOString(),
            value: value === undefined ? null : value,
          });
        }
        return { batonCache: options.refreshCache && key ? 'refresh' : 'miss', key: key ?? '', value } satisfies CachedResult;
      } finally {
        if (renewal) clearInterval(renewal);
        await lock?.release().catch(() => undefined);
      }
    } catch (err) {
      // Cancelled from the flow: report a cancellation, whatever error the task turned it into.
      if (ctx.cancellationSignal.aborted) {
        throw err instanceof CancelledFailure ? err : new CancelledFailure(`task ${spec.name} was cancelled`);
      }
      throw await decide(err, context);
    } finally {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      if (controller) ctx.cancellationSignal.removeEventListener('abort', onCancel);
    }
  };

  /** Runs the task function once, under its timeout. */
  const runAttempt = async (
    context: RunContext & { logPrints: boolean },
    args: unknown[],
    setTimer: (t: NodeJS.Timeout) => void,
    controller: AbortController | undefined,
  ): Promise<unknown> => {
    const work = runWithContext(context, () => Promise.resolve().then(() => t.fn(...args)));
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

  /** Turns a task's error into a Temporal failure that says whether, and when, to retry. */
  const decide = async (err: unknown, context: RunContext): Promise<ApplicationFailure> => {
    const failuresNow = context.failures + 1;
    const error = err instanceof Error ? err : new Error(String(err));
    let reason: string | undefined;
    if (err instanceof ApplicationFailure && err.nonRetryable) reason = 'non-retryable';
    else if (err instanceof NonRetryableError) reason = 'NonRetryableError';
    else if ((options.nonRetryableErrors ?? []).some((m) => matches(err, m))) reason = `${error.name} never retries`;
    else if (failuresNow > spec.retries) reason = spec.retries === 0 ? 'no retries' : `all ${spec.retries} retries used`;
    else if (options.retryCondition) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${RETRY_CONDITION_TIMEOUT_MS / 1000} s`)), RETRY_CONDITION_TIMEOUT_MS);
        });
        const answer = await Promise.race([Promise.resolve(options.retryCondition(err, { ...context, failures: failuresNow })), limit]);
        if (!answer) reason = 'retryCondition said no';
      } catch (conditionError) {
        reason = `retryCondition failed: ${(conditionError as Error)?.message ?? conditionError}`;
      } finally {
        clearTimeout(timer);
      }
    }
    const type = err instanceof ApplicationFailure && err.type ? err.type : error.name || 'Error';
    // A Baton error keeps its fields (issues, delaySeconds...) so the flow can rebuild it whole.
    const detail = {
      ...detailFor(err),
      taskName: spec.name,
      failures: failuresNow,
      retries: spec.retries,
    };
    if (reason) {
      context.logger.error({ err: error }, `task failed (${reason}): ${error.message}`);
      const failure = ApplicationFailure.create({ message: error.message, type, nonRetryable: true, details: [detail] });
      failure.stack = error.stack ?? failure.stack;
      return failure;
    }
    // A RetryAfterError without a usable delay falls back to the task's own schedule.
    const asked = err instanceof RetryAfterError ? err.delaySeconds : undefined;
    const usable = typeof asked === 'number' && Number.isFinite(asked) && asked >= 0;
    let delay = usable ? asked : retryDelayFor(options.retryDelaySeconds, failuresNow);
    if (options.retryJitterFactor) delay += Math.random() * options.retryJitterFactor * delay;
    // Never hand Temporal a delay it cannot encode (NaN, Infinity) or one beyond any sane wait.
    if (!Number.isFinite(delay) || delay < 0) delay = 0;
    delay = Math.min(delay, MAX_RETRY_DELAY_SECONDS);
    // Record the failure count before failing, so the next attempt (on any worker) sees it.
    Context.current().heartbeat({ failures: failuresNow });
    context.logger.warn(
      { err: error, retryInSeconds: delay },
      `task failed, retry ${failuresNow} of ${spec.retries} in ${delay} s: ${error.message}`,
    );
    const failure = ApplicationFailure.create({
      message: error.message,
      type,
      nonRetryable: false,
      details: [detail],
      // Temporal treats a zero delay as unset; one millisecond is as good as immediate.
      nextRetryDelay: Math.max(1, Math.round(delay * 1000)),
    });
    failure.stack = error.stack ?? failure.stack;
    return failure;
  };
  return run;
}
