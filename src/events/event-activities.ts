/**
 * The activities behind events and automations, registered on every worker: `match` (which
 * automations an event matches, from a fresh visibility read), `act` (one action, made idempotent
 * by its key) and `emit` (a flow run's own event).
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { DataConverter } from '@temporalio/common';
import type { ClientInterceptors } from '@temporalio/client';
import { BatonClient } from '../client/client';
import { BatonError, ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { ACT_ACTIVITY, EMIT_ACTIVITY, FLOW_RUN_EVENT, MATCH_ACTIVITY, type ActRequest, type ActResult, type AutomationMatch, type StoredEvent } from '../core/events';
import type { TemporalTarget } from '../server/temporal-server';
import type { AnyFlow } from '../workflows/flow';
import type { FlowRunEventRequest } from '../workflows/events';
import { Automations } from './automations';
import { EventStore } from './event-store';
import { freshReader } from './fresh';
import { matchAll, matchAutomation } from './match';
import { render, renderText } from './template';

/** Seconds a webhook action's call may take. */
const WEBHOOK_TIMEOUT_SECONDS = 30;

/** A failure retrying cannot mend: the action is reported as not done, not tried again. */
const permanent = (err: unknown) => err instanceof ValidationError || err instanceof NotFoundError || err instanceof ConflictError;

async function perform(client: BatonClient, { automation, key, action, event }: ActRequest): Promise<ActResult> {
  const done = { key, type: action.type };
  switch (action.type) {
    case 'run-deployment': {
      const parameters = render(action.parameters ?? {}, event) as Record<string, unknown>;
      // The key makes the flow run's id: a second attempt finds the run the first one started.
      const { handle, created } = await client.deployments.run(action.deployment, { parameters, idempotencyKey: key, tags: [`automation:${automation}`] });
      return { ...done, flowRunId: handle.id, created };
    }
    case 'pause-deployment':
      await client.deployments.pause(action.deployment);
      return done;
    case 'resume-deployment':
      await client.deployments.resume(action.deployment);
      return done;
    case 'cancel-flow-run':
      await client.flowRuns.cancel(renderText(action.flowRunId, event));
      return done;
    case 'call-webhook': {
      const body = action.body === undefined ? { automation, event } : render(action.body, event);
      const res = await fetch(action.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_SECONDS * 1000),
      });
      await res.body?.cancel();
      // A server error or a throttle may pass: try again. Any other refusal will not.
      if (res.status >= 500 || res.status === 408 || res.status === 429) throw new BatonError(`${action.url} answered ${res.status}`);
      return { ...done, status: res.status, ...(res.ok ? {} : { note: `answered ${res.status}` }) };
    }
  }
}

/** An event id for a flow run's change: its run, attempt and change, within an event id's characters. */
export function flowRunEventId(request: Pick<FlowRunEventRequest, 'flowRunId' | 'temporalRunId' | 'kind' | 'approval'>): string {
  const run = /^[A-Za-z0-9._:/-]{1,100}$/.test(request.flowRunId) ? request.flowRunId : createHash('sha256').update(request.flowRunId).digest('hex').slice(0, 32);
  // An approval's events are one per approval key.
  const key = request.approval ? `:${createHash('sha256').update(request.approval.key).digest('hex').slice(0, 16)}` : '';
  return `flow-run:${run}:${request.temporalRunId}:${request.kind}${key}`;
}

/** Which of Baton's own events a worker stores (BATON_FLOW_RUN_EVENTS). */
export type OwnEvents = 'automations' | 'all';

/** What the emit activity did: recorded in the run's history (its local-activity marker). */
export interface EmitResult {
  stored: boolean;
  /** The id of the event stored, or that it would have had. */
  id: string;
}

export function eventActivities(client: () => Promise<BatonClient>, ownEvents: OwnEvents = 'automations'): Record<string, (input: never) => Promise<unknown>> {
  let automations: (() => Promise<Awaited<ReturnType<Automations['memos']>>>) | undefined;
  const memos = async () => {
    const c = await client();
    automations ??= freshReader(() => new Automations(c).memos());
    return automations();
  };
  return {
    [MATCH_ACTIVITY]: async (event: StoredEvent): Promise<AutomationMatch[]> => matchAll(await memos(), event),
    [ACT_ACTIVITY]: async (request: ActRequest): Promise<ActResult> => {
      try {
        return await perform(await client(), request);
      } catch (err) {
        if (permanent(err)) return { key: request.key, type: request.action.type, note: (err as Error).message };
        throw err;
      }
    },
    [EMIT_ACTIVITY]: async (request: FlowRunEventRequest): Promise<EmitResult> => {
      const event = {
        id: flowRunEventId(request),
        event: FLOW_RUN_EVENT[request.kind],
        resource: { id: request.flowRunId, flow: request.flow, ...(request.approval ? { approval: request.approval.key } : {}) },
        payload: {
          flowRunId: request.flowRunId,
          temporalRunId: request.temporalRunId,
          flow: request.flow,
          attempt: request.attempt,
          ...(request.error ? { error: request.error } : {}),
          ...(request.approval ? { approval: request.approval } : {}),
        },
        occurred: request.occurred,
      };
      // An event no automation would match is not stored: it would be a workflow that does
      // nothing. The read is fresh (started after this call), so an automation whose change the
      // API has answered is seen, as the event workflow's own match would see it.
      if (ownEvents === 'automations') {
        const candidate: StoredEvent = { ...event, received: request.occurred };
        if (!(await memos()).some((memo) => matchAutomation(memo, candidate))) return { stored: false, id: event.id };
      }
      await new EventStore(await client(), Context.current().info.taskQueue).emit(event);
      return { stored: true, id: event.id };
    },
  };
}

/** The event activities of a worker, over a client of its own opened on first use; `close` closes it. */
export function workerEventActivities(options: {
  target: Pick<TemporalTarget, 'connectionOptions' | 'namespace'>;
  dataConverter: DataConverter;
  taskQueue: string;
  flows: readonly AnyFlow[];
  /** Which of Baton's own events to store. @default 'automations' */
  ownEvents?: OwnEvents;
  /** The client's Temporal interceptors: tracing's, so the runs an automation starts join the trace it acts in. */
  interceptors?: ClientInterceptors;
}): { activities: Record<string, (input: never) => Promise<unknown>>; close(): Promise<void> } {
  let client: Promise<BatonClient> | undefined;
  const open = () =>
    (client ??= BatonClient.connect({
      target: { connectionOptions: options.target.connectionOptions, namespace: options.target.namespace },
      dataConverter: options.dataConverter,
      taskQueue: options.taskQueue,
      flows: options.flows,
      interceptors: options.interceptors,
    }));
  return {
    activities: eventActivities(open, options.ownEvents),
    async close() {
      if (client) await (await client.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}
