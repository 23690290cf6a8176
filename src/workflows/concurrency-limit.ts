/**
 * The body of a limit's workflow (`baton.concurrency-limit`, id `baton-limit/<name>`): it holds
 * the limit's slots, holders and FIFO queue of waiters. Flows queue with a signal and are granted
 * with a signal back; tasks queue with an update that waits a bounded time. A released slot comes
 * back at once, or through slot decay when the limit has a rate. When someone waits and no slot
 * is free, it asks Temporal (one activity) which holders are gone (their flow run closed, or their
 * task attempt ended) and frees their slots: a crashed holder's lease lapses by itself. It
 * continues as new to keep its history short, carrying its state. Sandbox-safe.
 */
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  LIMIT_ACQUIRE_SIGNAL,
  LIMIT_CONFIGURE_SIGNAL,
  LIMIT_CONFIGURE_UPDATE,
  LIMIT_DELETE_UPDATE,
  LIMIT_GONE_HOLDERS_ACTIVITY,
  LIMIT_GRANT_SIGNAL,
  LIMIT_MEMO,
  LIMIT_RELEASE_SIGNAL,
  LIMIT_STATE_QUERY,
  LIMIT_TASK_ACQUIRE_UPDATE,
  settingsProblem,
  type AcquireRequest,
  type LimitGrant,
  type LimitHolder,
  type LimitInput,
  type LimitMemo,
  type LimitPatch,
  type LimitState,
  type TaskAcquireAnswer,
} from '../core/concurrency-limits';

/** Requests handled before the workflow continues as new. */
const CONTINUE_AFTER = 500;
/** Milliseconds a task's acquire update waits before it answers "ask again". */
const TASK_WAIT_MS = 20_000;
/** Milliseconds between checks for gone holders while someone waits for a slot. */
const CHECK_EVERY_MS = 3_000;
/** Lease ids released recently, remembered so an acquire arriving after its own release is ignored. */
const RELEASED_LIMIT = 1_000;

export const limitStateQuery = defineQuery<LimitState>(LIMIT_STATE_QUERY);

export async function runConcurrencyLimit(input: LimitInput): Promise<void> {
  const state = input.state;
  const released = new Set<string>(input.released);
  /** Grants and refusals for tasks, collected by their acquire update. */
  const answers = new Map<string, LimitGrant>((input.answers ?? []).map((a) => [a.leaseId, a]));
  let handled = 0;
  let dirty = true;
  let memoDirty = false;
  let deleted = false;
  let draining = false;
  let nextCheck = 0;

  const { [LIMIT_GONE_HOLDERS_ACTIVITY]: goneHolders } = proxyActivities<Record<string, (holders: LimitHolder[]) => Promise<string[]>>>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 3 },
    summary: `which holders of ${state.name} are gone`,
  });

  const nowIso = () => new Date(Date.now()).toISOString();
  const known = (leaseId: string) => released.has(leaseId) || state.holders.some((h) => h.leaseId === leaseId) || state.waiters.some((w) => w.leaseId === leaseId);
  const enqueue = (request: AcquireRequest) => {
    handled += 1;
    if (known(request.leaseId)) return;
    state.waiters.push({ ...request, queuedAt: nowIso() });
    dirty = true;
  };
  const decaySlots = (slots: number) => {
    const rate = state.settings.slotDecayPerSecond;
    if (!rate) return;
    let at = Math.max(Date.now(), state.decaying[state.decaying.length - 1] ?? 0);
    for (let i = 0; i < slots; i++) {
      at += 1000 / rate;
      state.decaying.push(at);
    }
  };
  const release = (leaseId: string) => {
    handled += 1;
    released.add(leaseId);
    if (released.size > RELEASED_LIMIT) released.delete(released.values().next().value!);
    const waiting = state.waiters.findIndex((w) => w.leaseId === leaseId);
    if (waiting >= 0) state.waiters.splice(waiting, 1);
    const holding = state.holders.findIndex((h) => h.leaseId === leaseId);
    if (holding >= 0) {
      const [holder] = state.holders.splice(holding, 1);
      decaySlots(holder!.slots);
    }
    answers.delete(leaseId);
    dirty = true;
  };

  setHandler(defineSignal<[AcquireRequest]>(LIMIT_ACQUIRE_SIGNAL), enqueue);
  setHandler(defineSignal<[{ leaseId: string }]>(LIMIT_RELEASE_SIGNAL), ({ leaseId }) => release(leaseId));
  setHandler(
    defineUpdate<TaskAcquireAnswer, [AcquireRequest]>(LIMIT_TASK_ACQUIRE_UPDATE),
    async (request) => {
      enqueue(request);
      const holds = () => state.holders.some((h) => h.leaseId === request.leaseId);
      await condition(() => answers.has(request.leaseId) || holds() || draining || deleted, TASK_WAIT_MS);
      const answer = answers.get(request.leaseId);
      answers.delete(request.leaseId);
      if (answer?.refused) return { granted: false, refused: answer.refused, ...(answer.refusedField ? { refusedField: answer.refusedField } : {}) };
      if (answer || holds()) return { granted: true, ...(answer?.deleted ? { deleted: true } : {}) };
      return { granted: false };
    },
    {
      validator: (request) => {
        if (request.slots > state.settings.slots) throw new Error(`${request.slots} asked for, but the limit '${state.name}' has ${state.settings.slots}`);
      },
    },
  );
  const configure = (patch: LimitPatch) => {
    state.settings = { ...state.settings, ...patch };
    // A limit that no longer decays gives its decaying slots back now.
    if (!state.settings.slotDecayPerSecond) state.decaying = [];
    state.updatedAt = nowIso();
    dirty = true;
    memoDirty = true;
  };
  // The client checked the patch; one that is wrong all the same changes nothing.
  setHandler(defineSignal<[LimitPatch]>(LIMIT_CONFIGURE_SIGNAL), (patch) => {
    if (!settingsProblem(patch)) configure(patch);
  });
  setHandler(
    defineUpdate<LimitState, [LimitPatch]>(LIMIT_CONFIGURE_UPDATE),
    (patch) => {
      configure(patch);
      return state;
    },
    {
      validator: (patch) => {
        const problem = settingsProblem(patch);
        if (problem) throw new Error(problem);
      },
    },
  );
  setHandler(defineUpdate<void, []>(LIMIT_DELETE_UPDATE), () => {
    deleted = true;
  });
  setHandler(limitStateQuery, () => state);

  const used = () => state.holders.reduce((n, h) => n + h.slots, 0) + state.decaying.length;
  const free = () => state.settings.slots - used();
  const headBlocked = () => state.waiters.length > 0 && state.settings.active && free() < state.waiters[0]!.slots;

  /** Sends a flow its grant; a flow that is gone loses the slots again. */
  const tell = async (holder: LimitHolder, grant: LimitGrant) => {
    try {
      await getExternalWorkflowHandle(holder.party.flowRunId, holder.party.runId).signal(LIMIT_GRANT_SIGNAL, grant);
    } catch {
      release(holder.leaseId);
    }
  };

  /** Cancels a flow run refused under CANCEL_NEW (a run cannot end itself Cancelled). */
  const cancelRun = async (waiter: AcquireRequest) => {
    await getExternalWorkflowHandle(waiter.party.flowRunId, waiter.party.runId)
      .cancel()
      .catch(() => undefined);
  };

  /** Grants waiters in order while slots are free (all of them when inactive or deleted). */
  const grantInOrder = async () => {
    const signals: Promise<void>[] = [];
    // A request for more slots than the limit has (now) would block the queue for ever.
    // So would a start token of a limit without slot decay (its tokens would never come back).
    const why = (w: AcquireRequest) =>
      w.slots > state.settings.slots
        ? `${w.slots} asked for, but the limit '${state.name}' has ${state.settings.slots}`
        : w.token && !state.settings.slotDecayPerSecond
          ? `rateLimit() needs a limit with slot decay: '${state.name}' has slotDecayPerSecond 0 (baton concurrency-limit update ${state.name} --slot-decay-per-second <r>)`
          : undefined;
    for (const waiter of state.waiters.filter((w) => why(w) && !deleted)) {
      state.waiters.splice(state.waiters.indexOf(waiter), 1);
      const refused: LimitGrant = { leaseId: waiter.leaseId, refused: why(waiter), refusedField: waiter.slots > state.settings.slots ? 'slots' : 'name' };
      if (waiter.party.kind === 'flow') signals.push(tell({ ...waiter, acquiredAt: nowIso() }, refused));
      else answers.set(waiter.leaseId, refused);
    }
    // Granted now or never: a request that would have to wait is refused, and its flow run cancelled.
    for (const waiter of state.waiters.filter((w, i) => w.cancelIfBusy && !deleted && state.settings.active && (i > 0 || free() < w.slots))) {
      state.waiters.splice(state.waiters.indexOf(waiter), 1);
      const refused: LimitGrant = { leaseId: waiter.leaseId, busy: `the concurrency limit '${state.name}' has no free slot (${state.settings.slots} in use)` };
      signals.push(tell({ ...waiter, acquiredAt: nowIso() }, refused).then(() => cancelRun(waiter)));
    }
    while (state.waiters.length > 0 && (deleted || !state.settings.active || free() >= state.waiters[0]!.slots)) {
      const waiter = state.waiters.shift()!;
      const { queuedAt: _queued, ...request } = waiter;
      const holder: LimitHolder = { ...request, acquiredAt: nowIso() };
      const grant: LimitGrant = { leaseId: waiter.leaseId, ...(deleted ? { deleted: true } : {}) };
      state.granted += 1;
      if (!deleted) state.holders.push(holder);
      if (waiter.token && !deleted) release(waiter.leaseId);
      if (waiter.party.kind === 'flow') signals.push(tell(holder, grant));
      else if (waiter.token || deleted) answers.set(waiter.leaseId, grant);
    }
    await Promise.all(signals);
  };

  const idle = () => state.holders.length === 0 && state.waiters.length === 0 && state.decaying.length === 0 && answers.size === 0;
  for (;;) {
    const idleUntil = state.idleSeconds && idle() ? Date.now() + state.idleSeconds * 1000 : Infinity;
    const wake = Math.min(state.decaying[0] ?? Infinity, headBlocked() && state.holders.length > 0 ? nextCheck : Infinity, idleUntil);
    const ready = () => dirty || deleted;
    if (wake === Infinity) await condition(ready);
    else await condition(ready, Math.max(1, wake - Date.now()));
    // A per-key limit made on demand ends when unused for a while; its next use makes it again.
    if (!dirty && !deleted && Date.now() >= idleUntil && idle() && allHandlersFinished()) return;
    dirty = false;
    if (memoDirty) {
      memoDirty = false;
      const memo: LimitMemo = { name: state.name, settings: state.settings, createdAt: state.createdAt, updatedAt: state.updatedAt };
      upsertMemo({ [LIMIT_MEMO]: memo });
    }
    while (state.decaying.length > 0 && state.decaying[0]! <= Date.now()) state.decaying.shift();
    await grantInOrder();
    if (deleted) {
      await condition(allHandlersFinished);
      return;
    }
    if (headBlocked() && state.holders.length > 0 && Date.now() >= nextCheck) {
      nextCheck = Date.now() + CHECK_EVERY_MS;
      const gone = await goneHolders!(state.holders.map((h) => ({ ...h }))).catch(() => [] as string[]);
      for (const leaseId of gone) release(leaseId);
    }
    if (handled >= CONTINUE_AFTER || workflowInfo().continueAsNewSuggested) {
      // Tasks waiting in an update are told to ask again; they queue in the next run where they were.
      draining = true;
      await condition(allHandlersFinished);
      const memo: LimitMemo = { name: state.name, settings: state.settings, createdAt: state.createdAt, updatedAt: state.updatedAt };
      const next = makeContinueAsNewFunc<(input: LimitInput) => Promise<void>>({ memo: { [LIMIT_MEMO]: memo } });
      await next({ state, answers: [...answers.values()], released: [...released] });
    }
  }
}
