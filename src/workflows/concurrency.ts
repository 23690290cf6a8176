/**
 * Global concurrency and rate limits from flow code (Prefect's `concurrency()` and
 * `rate_limit()`): the flow signals the limit's workflow and waits, durably, for its grant signal,
 * so a waiting flow holds no worker slot; the slots are given back when the block ends, however
 * it ends (a non-cancellable release). Sandbox-safe.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  patched,
  scheduleLocalActivity,
  setHandler,
  upsertMemo,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  CANCEL_REASON_MEMO,
  DEPLOYMENT_CONCURRENCY_MEMO,
  keyedLimitName,
  LIMIT_ACQUIRE_SIGNAL,
  LIMIT_ENSURE_KEYED_ACTIVITY,
  LIMIT_EXISTING_ACTIVITY,
  LIMIT_GRANT_SIGNAL,
  LIMIT_RELEASE_SIGNAL,
  limitNameProblem,
  limitWorkflowId,
  tagLimitName,
  type AcquireRequest,
  type DeploymentConcurrency,
  type LimitGrant,
} from '../core/concurrency-limits';
import { ConflictError, NotFoundError, ValidationError, WaitTimeoutError } from '../core/errors';
import { runState } from './run-state';

/** Options of {@link concurrency} and {@link rateLimit}. */
export interface ConcurrencyOptions {
  /** Slots this block occupies. @default 1 */
  slots?: number;
  /**
   * A per-key limit: the block counts against `<name>:<key>` (at most N per customer id). That
   * limit is created on first use with the settings of the limit `name`, its template.
   */
  key?: string;
  /** Seconds to wait for the slots before failing with WaitTimeoutError; unset: wait as long as it takes. */
  timeoutSeconds?: number;
}

const KEY = Symbol.for('baton.run.limit-grants');
const grants = () =>
  runState(KEY, () => {
    const received = new Map<string, LimitGrant>();
    setHandler(defineSignal<[LimitGrant]>(LIMIT_GRANT_SIGNAL), (grant) => void received.set(grant.leaseId, grant));
    return received;
  });

function checked(name: string, options: ConcurrencyOptions): { limit: string; slots: number; template?: string } {
  const slots = options.slots ?? 1;
  const issues = [];
  const nameProblem = limitNameProblem(keyedLimitName(name, options.key));
  if (nameProblem) issues.push({ path: options.key === undefined ? 'name' : 'key', message: nameProblem });
  if (!Number.isInteger(slots) || slots < 1) issues.push({ path: 'slots', message: `must be a whole number of at least 1 (got ${String(options.slots)})` });
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    issues.push({ path: 'timeoutSeconds', message: `must be a number above 0 (got ${String(options.timeoutSeconds)})` });
  }
  if (issues.length) throw new ValidationError('concurrency() options', issues);
  return { limit: keyedLimitName(name, options.key), slots, ...(options.key !== undefined ? { template: name } : {}) };
}

const LOCAL = { startToCloseTimeout: 30_000, retry: { maximumAttempts: 5 } };

/** Sends the request; a per-key limit missing is made from its template once, then asked again. */
async function send(limit: string, request: AcquireRequest, template: string | undefined): Promise<void> {
  const handle = () => getExternalWorkflowHandle(limitWorkflowId(limit));
  try {
    return await handle().signal(LIMIT_ACQUIRE_SIGNAL, request);
  } catch {
    if (template === undefined) throw new NotFoundError(`no concurrency limit named '${limit}': create it first (baton concurrency-limit create ${limit} --slots <n>)`);
  }
  await scheduleLocalActivity(LIMIT_ENSURE_KEYED_ACTIVITY, [{ template, name: limit }], { ...LOCAL, summary: `per-key limit ${limit}` }).catch((err: unknown) => {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    throw cause instanceof ApplicationFailure && cause.type === 'NotFoundError' ? new NotFoundError(cause.message) : err;
  });
  try {
    await handle().signal(LIMIT_ACQUIRE_SIGNAL, request);
  } catch {
    throw new NotFoundError(`the per-key concurrency limit '${limit}' could not be reached after it was made`);
  }
}

/** Gives a lease back (or leaves the queue); runs even when the flow is being cancelled. */
async function giveBack(limit: string, leaseId: string): Promise<void> {
  // A limit deleted meanwhile has nothing to give back to.
  await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(limitWorkflowId(limit)).signal(LIMIT_RELEASE_SIGNAL, { leaseId })).catch(() => undefined);
}

/** Queues for `slots` of `limit` and waits for the grant; answers the lease id. */
async function acquire(
  limit: string,
  slots: number,
  options: { timeoutSeconds?: number; token?: boolean; template?: string; taskName?: string; cancelIfBusy?: boolean },
): Promise<{ leaseId: string; deleted: boolean; busy?: string }> {
  const { timeoutSeconds } = options;
  const received = grants();
  const info = workflowInfo();
  const leaseId = uuid4();
  const party = { kind: 'flow' as const, flowRunId: info.workflowId, runId: info.runId, ...(options.taskName ? { taskName: options.taskName } : {}) };
  const request: AcquireRequest = { leaseId, slots, party, ...(options.token ? { token: true } : {}), ...(options.cancelIfBusy ? { cancelIfBusy: true } : {}) };
  await send(limit, request, options.template);
  let grant: LimitGrant | undefined;
  try {
    const granted = () => received.has(leaseId);
    const inTime = timeoutSeconds !== undefined ? await condition(granted, timeoutSeconds * 1000) : (await condition(granted), true);
    grant = received.get(leaseId);
    if (!inTime || !grant) throw new WaitTimeoutError(`no slot of the concurrency limit '${limit}' came free within ${timeoutSeconds} s`);
  } catch (err) {
    // Refused and cancelled by the limit in one go (CANCEL_NEW): say why before the cancellation ends the run.
    const refusal = received.get(leaseId);
    if (refusal?.busy) return { leaseId, deleted: false, busy: refusal.busy };
    // Cancelled or timed out while waiting: leave the queue (or give back a grant that crossed).
    await giveBack(limit, leaseId);
    throw err;
  } finally {
    received.delete(leaseId);
  }
  if (grant.busy) return { leaseId, deleted: false, busy: grant.busy };
  if (grant.refused)
    throw new ValidationError(options.token ? 'rateLimit()' : 'concurrency() options', [{ path: grant.refusedField ?? 'slots', message: grant.refused }]);
  return { leaseId, deleted: grant.deleted === true };
}

/**
 * Runs `fn` holding `slots` of the global concurrency limit `name` (Prefect's `concurrency()`):
 * waits, in order, for the slots, holding no worker slot while it waits, and gives them back when
 * `fn` ends, whether it returns, throws or is cancelled. A limit that does not exist fails the
 * call with NotFoundError (create limits with `baton concurrency-limit create`); a per-key limit
 * (`key`) is created from its template on first use.
 *
 * @example
 * await concurrency('llm-api', () => summarize(doc), { slots: 1 });
 */
export async function concurrency<T>(name: string, fn: () => Promise<T>, options: ConcurrencyOptions = {}): Promise<T> {
  const { limit, slots, template } = checked(name, options);
  const { leaseId, deleted } = await acquire(limit, slots, { timeoutSeconds: options.timeoutSeconds, template });
  try {
    return await fn();
  } finally {
    // Awaited: left unawaited, a release sent in the workflow task that ended the run was seen lost
    // (the benchmark found slots still held after every flow had ended).
    if (!deleted) await giveBack(limit, leaseId);
  }
}

/**
 * Waits for a start token of the limit `name` (Prefect's `rate_limit()`): a slot that is taken
 * and given back at once, so the limit's slot decay spaces the starts. The limit needs
 * `slotDecayPerSecond` set; it allows `slots` starts at once, then `slotDecayPerSecond` a second.
 *
 * @example
 * await rateLimit('openai'); // then call the API
 */
export async function rateLimit(name: string, options: ConcurrencyOptions = {}): Promise<void> {
  const { limit, slots, template } = checked(name, options);
  await acquire(limit, slots, { timeoutSeconds: options.timeoutSeconds, template, token: true });
}

/**
 * Runs a tagged task call under its tags' limits (`tag:<tag>`, Prefect's tag-based task
 * concurrency): the flow asks which of them exist (a local activity), takes a slot of each, in
 * name order so two calls never hold one each of the other's, before the task is scheduled (a
 * waiting task holds no worker slot), and gives them back when the call settles.
 */
export async function underTagLimits<T>(taskName: string, tags: readonly string[], start: () => Promise<T>): Promise<T> {
  const names = [...new Set(tags.map(tagLimitName))].filter((n) => !limitNameProblem(n)).sort();
  const existing = await scheduleLocalActivity<string[]>(LIMIT_EXISTING_ACTIVITY, [names], { ...LOCAL, summary: `tag limits of ${taskName}` });
  const held: { limit: string; leaseId: string }[] = [];
  try {
    for (const limit of existing) {
      try {
        const { leaseId, deleted } = await acquire(limit, 1, { taskName });
        if (!deleted) held.push({ limit, leaseId });
      } catch (err) {
        // Deleted between the look-up and the request: a limit that is not there limits nothing.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return await start();
  } finally {
    for (const { limit, leaseId } of held.reverse()) await giveBack(limit, leaseId);
  }
}

/** Marks runs that take their deployment's concurrency limit before their body starts. */
const DEPLOYMENT_CONCURRENCY_PATCH = 'baton.deployment-concurrency';
/** Milliseconds a run refused under CANCEL_NEW waits for the cancel its limit sends. */
const CANCEL_WAIT_MS = 60_000;

/** The run's deployment concurrency limit, when its deployment has one (read from the run's memo). */
export function deploymentConcurrency(): DeploymentConcurrency | undefined {
  const value = workflowInfo().memo?.[DEPLOYMENT_CONCURRENCY_MEMO] as DeploymentConcurrency | undefined;
  if (!value || typeof value.limit !== 'string') return undefined;
  return patched(DEPLOYMENT_CONCURRENCY_PATCH) ? value : undefined;
}

/**
 * Takes a slot of the run's deployment limit (Prefect's deployment `concurrency_limit`): ENQUEUE
 * waits in order (the run reads Pending meanwhile, Prefect's AwaitingConcurrencySlot); CANCEL_NEW
 * is refused when no slot is free at once, and the limit cancels the run, whose memo says why.
 * Answers the release. A limit that is gone (the deployment changed) limits nothing.
 */
export async function takeDeploymentSlot(config: DeploymentConcurrency): Promise<() => Promise<void>> {
  let lease;
  try {
    lease = await acquire(config.limit, 1, { cancelIfBusy: config.collisionStrategy === 'CANCEL_NEW' });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    log.warn(`the deployment's concurrency limit '${config.limit}' is gone; the run goes on without it`);
    return async () => undefined;
  }
  if (lease.busy) {
    const reason = `cancelled by the deployment's collision strategy CANCEL_NEW: ${lease.busy}`;
    upsertMemo({ [CANCEL_REASON_MEMO]: reason });
    log.warn(reason);
    // The limit has asked Temporal to cancel this run: the wait ends in that cancellation.
    await condition(() => false, CANCEL_WAIT_MS);
    throw new ConflictError(reason);
  }
  const { leaseId, deleted } = lease;
  return deleted ? async () => undefined : () => giveBack(config.limit, leaseId);
}
