/**
 * The body of an event workflow (`baton.event`): learn which automations the event matches, then
 * perform each matching automation's actions, or hand the event to the automation's own workflow
 * when its trigger keeps state (threshold, proactive). Every action carries a key derived from the
 * automation and the event id, so a retry, a replay or a second worker never performs it twice.
 * Sandbox-safe.
 */
import { CancellationScope, getExternalWorkflowHandle, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import {
  ACT_ACTIVITY,
  actionKey,
  AUTOMATION_EVENT_SIGNAL,
  automationWorkflowId,
  EMIT_ACTIVITY,
  FLOW_RUN_EVENT,
  FLOW_RUN_EVENTS_PATCH,
  MATCH_ACTIVITY,
  type ActRequest,
  type ActResult,
  type AutomationEventSignal,
  type AutomationMatch,
  type StoredEvent,
} from '../core/events';

type Match = (event: StoredEvent) => Promise<AutomationMatch[]>;
type Act = (request: ActRequest) => Promise<ActResult>;

const { [MATCH_ACTIVITY]: match } = proxyLocalActivities<Record<string, Match>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' },
});

/** Performs one action; shared with the automation workflow. */
export const act = (request: ActRequest): Promise<ActResult> =>
  proxyActivities<Record<string, Act>>({
    startToCloseTimeout: '60 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
    summary: `${request.automation}: ${request.action.type}`,
  })[ACT_ACTIVITY]!(request);

export interface EventOutcome {
  matched: string[];
  actions: ActResult[];
}

export async function runEvent(event: StoredEvent): Promise<EventOutcome> {
  const matches = await match!(event);
  const requests: ActRequest[] = [];
  const signalled: Promise<void>[] = [];
  for (const m of matches) {
    if (m.mode === 'fire') {
      m.actions.forEach((action, index) => requests.push({ automation: m.automation, key: actionKey(m.automation, event.id, index), action, event }));
    } else {
      const signal: AutomationEventSignal = { event, role: m.role };
      // An automation deleted since the match is gone: its events go nowhere.
      signalled.push(
        getExternalWorkflowHandle(automationWorkflowId(m.automation))
          .signal(AUTOMATION_EVENT_SIGNAL, signal)
          .catch(() => undefined),
      );
    }
  }
  // One action that cannot be done (its retries spent) does not keep the others from theirs.
  const [settled] = await Promise.all([Promise.allSettled(requests.map(act)), Promise.all(signalled)]);
  const actions = settled.map((s, i): ActResult =>
    s.status === 'fulfilled'
      ? s.value
      : { key: requests[i]!.key, type: requests[i]!.action.type, note: `gave up: ${(s.reason as Error)?.message ?? String(s.reason)}` },
  );
  return { matched: matches.map((m) => m.automation), actions };
}

/** Resolves to whether the event was stored (the worker stores only those an automation listens for, unless told to store all). */
type Emit = (request: FlowRunEventRequest) => Promise<unknown>;

/** What a flow run says about itself; the emit activity makes the event (and its id) from it. */
export interface FlowRunEventRequest {
  kind: keyof typeof FLOW_RUN_EVENT;
  flowRunId: string;
  temporalRunId: string;
  flow: string;
  attempt: number;
  /** Workflow time of the change (ISO 8601). */
  occurred: string;
  error?: { type: string; message: string };
  /** For approval events: which approval, and how it was decided. */
  approval?: { key: string; decision?: string; decidedBy?: string; timedOut?: boolean };
}

const { [EMIT_ACTIVITY]: emitLocal } = proxyLocalActivities<Record<string, Emit>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 5 },
});

/**
 * The flow run's own events (`baton.flow-run.started`, ...), or nothing for a run whose history
 * began before flow runs emitted them: they replay as they ran. One local activity per change,
 * each starting an event workflow whose id comes from the run and the change, so a repeat is a
 * no-op. An event that cannot be stored is given up on after a few attempts: it never fails the run.
 */
export function flowRunEvents(): ((kind: FlowRunEventRequest['kind'], detail?: Pick<FlowRunEventRequest, 'error' | 'approval'>) => Promise<void>) | undefined {
  if (!patched(FLOW_RUN_EVENTS_PATCH)) return undefined;
  const info = workflowInfo();
  return async (kind, detail) => {
    const request: FlowRunEventRequest = {
      kind,
      flowRunId: info.workflowId,
      temporalRunId: info.runId,
      flow: info.workflowType,
      attempt: info.attempt,
      occurred: new Date().toISOString(),
      ...(detail?.error ? { error: detail.error } : {}),
      ...(detail?.approval ? { approval: detail.approval } : {}),
    };
    // A cancelled run still says so: the event is stored outside the cancelled scope.
    await CancellationScope.nonCancellable(() => emitLocal!(request)).catch(() => undefined);
  };
}
