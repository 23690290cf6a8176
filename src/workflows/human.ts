/**
 * People in the loop, flow side. A running flow can be paused from outside (it starts no new
 * task until resumed), can `pause()` itself, and can ask for an `approval()` with typed input.
 * While it waits it holds no worker slot: it is a Temporal workflow blocked on `condition()`.
 * Its waiting state is published as search attributes (BatonState, BatonAwaiting) and its pending
 * approvals in its memo, so the API lists every waiting run with one query. Sandbox-safe.
 */
import { ApplicationFailure, condition, defineSignal, defineUpdate, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { output, ZodType } from 'zod';
import { WaitTimeoutError } from '../core/errors';
import { fieldIssues } from '../core/flow-options';
import {
  APPROVALS_MEMO,
  DECIDE_UPDATE,
  PAUSE_SIGNAL,
  RESUME_SIGNAL,
  type ApprovalResult,
  type DecideRequest,
  type Decision,
  type PendingApproval,
  type ResumeRequest,
} from '../core/human';
import { AWAITING, RUN_STATE } from '../core/search-attributes';
import { runState } from './run-state';
import { flowRunEvents } from './events';

interface ApprovalEntry {
  schema?: ZodType;
  advertised: PendingApproval;
  result?: ApprovalResult<unknown>;
}

interface Control {
  externalPause: boolean;
  pauses: Map<string, { resumed: boolean; by?: string }>;
  approvals: Map<string, ApprovalEntry>;
  /** What the run is doing when nobody is waited for: set by the dispatcher, null in map shards. */
  base: BaseState | null;
  published: { state: string | null; awaiting: string; memo: string };
  pauseCount: number;
  /** Told when an outside pause starts or ends (sharded maps pass it on to their shards). */
  pauseListeners: Set<(paused: boolean) => void>;
}

/** This run's pause and approval state. */
const CONTROL = Symbol.for('baton.run.human');
const pauseSignal = defineSignal<[{ by?: string }?]>(PAUSE_SIGNAL);
const resumeSignal = defineSignal<[ResumeRequest?]>(RESUME_SIGNAL);
const decideUpdate = defineUpdate<ApprovalResult<unknown>, [DecideRequest]>(DECIDE_UPDATE);

function current(): Control {
  return runState<Control>(CONTROL, () => ({
    externalPause: false,
    pauses: new Map(),
    approvals: new Map(),
    base: null,
    published: { state: null, awaiting: '[]', memo: '{}' },
    pauseCount: 0,
    pauseListeners: new Set(),
  }));
}

/** Publishes the waiting state, touching history only when something changed. */
function publish(): void {
  const c = current();
  const pending = [...c.approvals.values()].filter((a) => !a.result).map((a) => a.advertised);
  const paused = c.externalPause || [...c.pauses.values()].some((p) => !p.resumed);
  // A cancelled run reads Cancelling until its cleanup is done, even when the cleanup waits for people.
  const state = c.base === 'Cancelling' ? c.base : pending.length ? 'AwaitingApproval' : paused ? 'Paused' : c.base;
  const awaiting = JSON.stringify(pending.map((p) => p.key));
  if (state !== c.published.state || awaiting !== c.published.awaiting) {
    upsertSearchAttributes([
      { key: RUN_STATE, value: state },
      { key: AWAITING, value: pending.length ? pending.map((p) => p.key) : null },
    ]);
    c.published.state = state;
    c.published.awaiting = awaiting;
  }
  const memo = JSON.stringify(pending);
  if (memo !== c.published.memo) {
    upsertMemo({ [APPROVALS_MEMO]: pending.length ? pending : null });
    c.published.memo = memo;
  }
}

/** The states a run publishes for itself when it is not waiting for people. */
export type BaseState = 'Pending' | 'Running' | 'Retrying' | 'Cancelling' | 'TimedOut' | 'Failed';

/** Sets what the run is doing (see RUN_STATE) and publishes it when it changed. */
export function setRunState(base: BaseState): void {
  current().base = base;
  publish();
}

function rejectUpdate(type: string, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

/** Installs the pause, resume and decide handlers; the dispatcher calls it before the flow starts. */
export function installHumanHandlers(): void {
  const c = current();
  setHandler(pauseSignal, () => {
    c.externalPause = true;
    publish();
    for (const listener of c.pauseListeners) listener(true);
  });
  setHandler(resumeSignal, (request?: ResumeRequest) => {
    if (request?.key) {
      const p = c.pauses.get(request.key);
      if (p && !p.resumed) Object.assign(p, { resumed: true, by: request.by });
    } else {
      c.externalPause = false;
      for (const p of c.pauses.values()) if (!p.resumed) Object.assign(p, { resumed: true, by: request?.by });
      for (const listener of c.pauseListeners) listener(false);
    }
    publish();
  });
  setHandler(
    decideUpdate,
    (request: DecideRequest) => {
      const entry = c.approvals.get(request.key)!;
      const input = request.decision === 'approve' && entry.schema ? entry.schema.parse(request.input) : request.input;
      entry.result = {
        decision: request.decision,
        input,
        comment: request.comment,
        decidedBy: request.decidedBy ?? 'unknown',
        decidedAt: new Date().toISOString(),
        timedOut: false,
      };
      publish();
      return entry.result;
    },
    {
      // Refused requests leave no trace in the run's history: the run is untouched.
      validator: (request: DecideRequest) => {
        const entry = c.approvals.get(request?.key);
        if (!entry) rejectUpdate('NotFoundError', `no approval '${request?.key}' is pending on this run`);
        if (entry.result) {
          rejectUpdate('ConflictError', `approval '${request.key}' was already decided: ${entry.result.decision} by ${entry.result.decidedBy}`);
        }
        if (request.decision !== 'approve' && request.decision !== 'reject') {
          rejectUpdate('ValidationError', "decision: must be 'approve' or 'reject'", { issues: [{ path: 'decision', message: "must be 'approve' or 'reject'" }] });
        }
        if (request.decision === 'approve' && entry.schema) {
          const parsed = entry.schema.safeParse(request.input);
          if (!parsed.success) {
            const issues = fieldIssues(parsed.error.issues).map((i) => ({ ...i, path: i.path ? `input.${i.path}` : 'input' }));
            rejectUpdate('ValidationError', `invalid input for approval '${request.key}': ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
          }
        }
      },
    },
  );
}

/** Calls `listener` each time the run is paused or resumed from outside; returns an unsubscribe. */
export function onExternalPause(listener: (paused: boolean) => void): () => void {
  const c = current();
  c.pauseListeners.add(listener);
  return () => c.pauseListeners.delete(listener);
}

/** Starts a run paused from outside (a map shard continuing a paused run). */
export function setPausedFromOutside(paused: boolean): void {
  current().externalPause = paused;
  publish();
}

/** Whether the run is paused from outside right now. */
export function pausedFromOutside(): boolean {
  return current().externalPause;
}

/** Resolves at once unless the run was paused from outside; then waits for resume. */
export async function whileNotPaused(): Promise<void> {
  const c = current();
  if (c.externalPause) await condition(() => !c.externalPause);
}

export interface PauseOptions<D> {
  /** Names this pause, so a resume can target it. Default `pause-<n>`. */
  key?: string;
  /** Seconds to wait for resume before giving up. */
  timeoutSeconds?: number;
  /** Returned when the time is up; without it, a timeout fails the run as TimedOut. */
  default?: D;
}

/**
 * Waits until someone resumes the run (Prefect's `pause_flow_run`). Returns `'resumed'`, or the
 * `default` when `timeoutSeconds` pass; with no default a timeout ends the run TimedOut.
 */
export async function pause<D = never>(options: PauseOptions<D> = {}): Promise<'resumed' | D> {
  const c = current();
  const key = options.key ?? `pause-${++c.pauseCount}`;
  const entry = { resumed: false as boolean, by: undefined as string | undefined };
  c.pauses.set(key, entry);
  publish();
  const resumed =
    options.timeoutSeconds === undefined ? (await condition(() => entry.resumed), true) : await condition(() => entry.resumed, options.timeoutSeconds * 1000);
  entry.resumed = true;
  publish();
  if (resumed) return 'resumed';
  if ('default' in options) return options.default as D;
  throw new WaitTimeoutError(`pause '${key}' was not resumed within ${options.timeoutSeconds} s`);
}

export interface ApprovalOptions<S extends ZodType | undefined> {
  /** A zod schema for the input the approver gives; checked before the flow sees it. */
  input?: S;
  /** What the person is asked, shown in the API, the CLI and the approvals page. */
  description?: string;
  /** Seconds to wait for a decision. */
  timeoutSeconds?: number;
  /** The decision (and input) taken when the time is up; without it, a timeout ends the run TimedOut. */
  default?: { decision: Decision; input?: S extends ZodType ? output<S> : unknown };
}

/**
 * Waits for a person to approve or reject (Prefect's `wait_for_input`). The run reads
 * AwaitingApproval and is listed by `GET /api/approvals` until someone decides; the result carries
 * the decision, the typed input, the comment and who decided.
 */
export async function approval<S extends ZodType | undefined = undefined>(
  key: string,
  options: ApprovalOptions<S> = {},
): Promise<ApprovalResult<S extends ZodType ? output<S> : unknown>> {
  type Result = ApprovalResult<S extends ZodType ? output<S> : unknown>;
  const c = current();
  const existing = c.approvals.get(key);
  if (existing?.result) return existing.result as Result;
  const now = new Date();
  const entry: ApprovalEntry = {
    schema: options.input,
    advertised: {
      key,
      description: options.description,
      // The schema's own method: the flow runtime never loads zod itself (see preload.ts).
      inputSchema: options.input ? (options.input.toJSONSchema({ io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) : null,
      since: now.toISOString(),
      ...(options.timeoutSeconds !== undefined ? { deadline: new Date(now.getTime() + options.timeoutSeconds * 1000).toISOString() } : {}),
    },
  };
  c.approvals.set(key, entry);
  publish();
  // Baton's own events (baton.approval.requested / decided), for automations and `GET /api/events`.
  const emit = flowRunEvents();
  await emit?.('approval-requested', { approval: { key } });
  const announce = () =>
    emit?.('approval-decided', { approval: { key, decision: entry.result!.decision, decidedBy: entry.result!.decidedBy, timedOut: entry.result!.timedOut } });
  const decided =
    options.timeoutSeconds === undefined
      ? (await condition(() => entry.result !== undefined), true)
      : await condition(() => entry.result !== undefined, options.timeoutSeconds * 1000);
  if (!decided) {
    if (!options.default) {
      entry.result = { decision: 'reject', input: undefined, decidedBy: 'timeout', decidedAt: new Date().toISOString(), timedOut: true };
      publish();
      await announce();
      throw new WaitTimeoutError(`approval '${key}' was not decided within ${options.timeoutSeconds} s`);
    }
    entry.result = {
      decision: options.default.decision,
      input: options.default.input,
      decidedBy: 'timeout',
      decidedAt: new Date().toISOString(),
      timedOut: true,
    };
    publish();
  }
  await announce();
  return entry.result as Result;
}
