/**
 * Global concurrency and rate limits from flow code (Prefect's `concurrency()` and
 * `rate_limit()`): the flow signals the limit's workflow and waits, durably, for its grant signal,
 * so a waiting flow holds no worker slot; the slots are given back when the block ends, however
 * it ends (a non-cancellable release). Sandbox-safe.
 */
import { CancellationScope, condition, defineSignal, getExternalWorkflowHandle, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import {
  keyedLimitName,
  LIMIT_ACQUIRE_SIGNAL,
  LIMIT_GRANT_SIGNAL,
  LIMIT_RELEASE_SIGNAL,
  limitNameProblem,
  limitWorkflowId,
  type AcquireRequest,
  type LimitGrant,
} from '../core/concurrency-limits';
import { NotFoundError, ValidationError, WaitTimeoutError } from '../core/errors';
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

function checked(name: string, options: ConcurrencyOptions): { limit: string; slots: number } {
  const slots = options.slots ?? 1;
  const issues = [];
  const nameProblem = limitNameProblem(keyedLimitName(name, options.key));
  if (nameProblem) issues.push({ path: options.key === undefined ? 'name' : 'key', message: nameProblem });
  if (!Number.isInteger(slots) || slots < 1) issues.push({ path: 'slots', message: `must be a whole number of at least 1 (got ${String(options.slots)})` });
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    issues.push({ path: 'timeoutSeconds', message: `must be a number above 0 (got ${String(options.timeoutSeconds)})` });
  }
  if (issues.length) throw new ValidationError('concurrency() options', issues);
  return { limit: keyedLimitName(name, options.key), slots };
}

/** Gives a lease back (or leaves the queue); runs even when the flow is being cancelled. */
async function giveBack(limit: string, leaseId: string): Promise<void> {
  // A limit deleted meanwhile has nothing to give back to.
  await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(limitWorkflowId(limit)).signal(LIMIT_RELEASE_SIGNAL, { leaseId })).catch(() => undefined);
}

/** Queues for `slots` of `limit` and waits for the grant; answers the lease id. */
async function acquire(limit: string, slots: number, timeoutSeconds: number | undefined, token: boolean): Promise<{ leaseId: string; deleted: boolean }> {
  const received = grants();
  const info = workflowInfo();
  const leaseId = uuid4();
  const request: AcquireRequest = { leaseId, slots, party: { kind: 'flow', flowRunId: info.workflowId, runId: info.runId }, ...(token ? { token: true } : {}) };
  try {
    await getExternalWorkflowHandle(limitWorkflowId(limit)).signal(LIMIT_ACQUIRE_SIGNAL, request);
  } catch {
    throw new NotFoundError(`no concurrency limit named '${limit}': create it first (baton concurrency-limit create ${limit} --slots <n>)`);
  }
  let grant: LimitGrant | undefined;
  try {
    const granted = () => received.has(leaseId);
    const inTime = timeoutSeconds !== undefined ? await condition(granted, timeoutSeconds * 1000) : (await condition(granted), true);
    grant = received.get(leaseId);
    if (!inTime || !grant) throw new WaitTimeoutError(`no slot of the concurrency limit '${limit}' came free within ${timeoutSeconds} s`);
  } catch (err) {
    // Cancelled or timed out while waiting: leave the queue (or give back a grant that crossed).
    await giveBack(limit, leaseId);
    throw err;
  } finally {
    received.delete(leaseId);
  }
  if (grant.refused) throw new ValidationError('concurrency() options', [{ path: 'slots', message: grant.refused }]);
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
  const { limit, slots } = checked(name, options);
  const { leaseId, deleted } = await acquire(limit, slots, options.timeoutSeconds, false);
  try {
    return await fn();
  } finally {
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
  const { limit, slots } = checked(name, options);
  await acquire(limit, slots, options.timeoutSeconds, true);
}
