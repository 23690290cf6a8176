/**
 * The body of an automation workflow (`baton.automation`, id `baton-automation/<name>`): it holds
 * the automation's definition (memo, read by the match activity through visibility), takes pause,
 * resume and update signals, and keeps the state of threshold and proactive triggers, firing their
 * actions with keys derived from the event that fired them. It continues as new every
 * CONTINUE_AFTER events to keep its history short, carrying its state. Sandbox-safe.
 */
import { condition, defineQuery, makeContinueAsNewFunc, defineSignal, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import {
  actionKey,
  AUTOMATION_EVENT_SIGNAL,
  AUTOMATION_MEMO,
  AUTOMATION_PAUSE_SIGNAL,
  AUTOMATION_RESUME_SIGNAL,
  AUTOMATION_STATE_QUERY,
  AUTOMATION_UPDATE_SIGNAL,
  type AutomationEventSignal,
  type AutomationInput,
  type AutomationMemo,
  type AutomationState,
  type StoredEvent,
} from '../core/events';
import { act } from './events';

/** Signals handled before the workflow continues as new. */
const CONTINUE_AFTER = 1_000;
/** Event ids remembered, so a repeated signal counts once. */
const SEEN_LIMIT = 2_000;

export const automationStateQuery = defineQuery<{ memo: AutomationMemo; state: AutomationState }>(AUTOMATION_STATE_QUERY);

export async function runAutomation(input: AutomationInput): Promise<void> {
  let memo = input.memo;
  const state: AutomationState = input.state ?? { window: [], waiting: {}, seen: [], fired: 0 };
  const seen = new Set(state.seen);
  const inbox: AutomationEventSignal[] = [];
  let handled = 0;
  let memoChanged = false;

  const now = () => Date.now();
  const touch = (patch: Partial<AutomationMemo>) => {
    memo = { ...memo, ...patch, updatedAt: new Date(now()).toISOString() };
    memoChanged = true;
  };
  setHandler(defineSignal(AUTOMATION_PAUSE_SIGNAL), () => touch({ paused: true }));
  setHandler(defineSignal(AUTOMATION_RESUME_SIGNAL), () => touch({ paused: false }));
  setHandler(defineSignal<[AutomationMemo['definition']]>(AUTOMATION_UPDATE_SIGNAL), (definition) => {
    touch({ definition });
    // A new trigger starts from nothing.
    state.window = [];
    state.waiting = {};
  });
  setHandler(defineSignal<[AutomationEventSignal]>(AUTOMATION_EVENT_SIGNAL), (signal) => void inbox.push(signal));
  setHandler(automationStateQuery, () => ({ memo, state: { ...state, seen: [] } }));

  const fire = async (event: StoredEvent) => {
    state.fired += 1;
    const { name } = memo.definition;
    await Promise.allSettled(memo.definition.actions.map((action, index) => act({ automation: name, key: actionKey(name, event.id, index), action, event })));
  };

  const take = async (signal: AutomationEventSignal) => {
    const { event, role } = signal;
    if (seen.has(event.id) || memo.paused) return;
    seen.add(event.id);
    state.seen.push(event.id);
    if (state.seen.length > SEEN_LIMIT) seen.delete(state.seen.shift()!);
    const trigger = memo.definition.trigger;
    if (trigger.type === 'threshold') {
      const at = Date.parse(event.occurred) || now();
      state.window = state.window.filter((e) => e.at > at - trigger.withinSeconds * 1000);
      state.window.push({ id: event.id, at });
      if (state.window.length >= trigger.count) {
        state.window = [];
        await fire(event);
      }
    } else if (trigger.type === 'proactive' && event.resource) {
      const key = event.resource.id;
      const at = Date.parse(event.occurred) || now();
      state.closed ??= {};
      if (role === 'after') {
        // Events travel separately: an expected event that happened after this one may have come first.
        if ((state.closed[key] ?? -Infinity) >= at) return;
        state.waiting[key] = { eventId: event.id, deadline: at + trigger.withinSeconds * 1000, event };
      } else if (role === 'expect') {
        delete state.waiting[key];
        state.closed[key] = at;
        const keys = Object.keys(state.closed);
        if (keys.length > SEEN_LIMIT) delete state.closed[keys[0]!];
      }
    }
  };

  const nextDeadline = () => Math.min(Infinity, ...Object.values(state.waiting).map((w) => w.deadline));

  for (;;) {
    if (memoChanged) {
      memoChanged = false;
      upsertMemo({ [AUTOMATION_MEMO]: memo });
    }
    const deadline = nextDeadline();
    const ready = () => inbox.length > 0 || memoChanged;
    if (deadline === Infinity) await condition(ready);
    else await condition(ready, Math.max(1, deadline - now()));
    while (inbox.length) {
      await take(inbox.shift()!);
      handled += 1;
    }
    for (const [resource, wait] of Object.entries(state.waiting)) {
      if (wait.deadline > now()) continue;
      delete state.waiting[resource];
      if (!memo.paused) await fire(wait.event);
    }
    // Only with nothing left in the inbox: a signal taken in but not handled would be lost.
    if (inbox.length === 0 && (handled >= CONTINUE_AFTER || workflowInfo().continueAsNewSuggested)) {
      const next = makeContinueAsNewFunc<(input: AutomationInput) => Promise<void>>({ memo: { [AUTOMATION_MEMO]: memo } });
      await next({ memo, state: { ...state, seen: [...seen] } });
    }
  }
}
