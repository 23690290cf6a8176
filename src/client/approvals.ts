/**
 * Approvals, client side: every pending approval across runs (one visibility query: waiting flows
 * publish BatonState and their pending approvals in their memo), and decisions, sent as a Temporal
 * update whose validator refuses bad input without touching the run. A decision that cannot be
 * taken says why (approval-errors.ts), and never waits without bound for a worker.
 */
import { QueryNotRegisteredError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ApprovalList, Decide, ListApprovalsQuery, PendingApprovalItem } from '../core/schemas';
import { ConflictError, NotFoundError, WorkerUnavailableError } from '../core/errors';
import { APPROVALS_MEMO, DECIDE_UPDATE, type ApprovalResult, type DecideRequest, type PendingApproval } from '../core/human';
import { DEPLOYMENT, FLOW_NAME, RUN_NAME, RUN_STATE } from '../core/search-attributes';
import { STREAM_QUERY } from '../core/stream';
import { decisionError, describeFailure, isDecisionTimeout } from './approval-errors';
import type { ClientContext } from './client-context';
import { pageTokenBytes, pageTokenText, quote } from './visibility';
import { decodePayload, decodeWith, flowRunNotFound } from './temporal-values';

function keyword(payload: unknown): string | null {
  const value = decodePayload(payload as never);
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : null;
  return typeof value === 'string' ? value : null;
}

/**
 * How long a decision waits for the run's worker to take it, in seconds. A live worker takes one
 * in well under a second; a worker that died holding the run hands it on after Temporal's sticky
 * queue timeout (10 s by default), so the bound leaves room for that before answering 503.
 */
export const DECIDE_WAIT_SECONDS = 15;

export interface DecideOptions {
  /** Seconds to wait for the run's worker to take the decision before answering WorkerUnavailableError. @default DECIDE_WAIT_SECONDS */
  waitSeconds?: number;
}

export class Approvals {
  constructor(private readonly ctx: ClientContext) {}

  /** Every pending approval, oldest run first within a page of waiting runs. */
  async list(query: Partial<ListApprovalsQuery> = {}): Promise<ApprovalList> {
    const clauses = [`ExecutionStatus = 'Running'`, `${RUN_STATE.name} = 'AwaitingApproval'`];
    if (query.flow) clauses.push(`${FLOW_NAME.name} = ${quote(query.flow)}`);
    if (query.deployment) clauses.push(`${DEPLOYMENT.name} = ${quote(query.deployment)}`);
    const response = await this.ctx.workflowService.listWorkflowExecutions({
      namespace: this.ctx.namespace,
      pageSize: query.pageSize ?? 50,
      nextPageToken: pageTokenBytes(query.pageToken),
      query: clauses.join(' AND '),
    });
    const approvals: PendingApprovalItem[] = [];
    for (const e of response.executions ?? []) {
      const fields = e.searchAttributes?.indexedFields ?? {};
      // Through the codecs: an encrypted memo is decrypted, one these keys cannot read is skipped.
      const pending = await decodeWith(this.ctx.payloadCodecs, e.memo?.fields?.[APPROVALS_MEMO] as never).catch(() => undefined);
      if (!Array.isArray(pending)) continue;
      for (const p of pending as PendingApproval[]) {
        approvals.push({
          flowRunId: e.execution?.workflowId ?? '',
          flowName: e.type?.name ?? '',
          runName: keyword(fields[RUN_NAME.name]),
          deployment: keyword(fields[DEPLOYMENT.name]),
          key: p.key,
          description: p.description ?? null,
          inputSchema: p.inputSchema ?? null,
          since: p.since,
          deadline: p.deadline ?? null,
          webUrl: this.ctx.webUrl(e.execution?.workflowId ?? '') ?? null,
        });
      }
    }
    approvals.sort((a, b) => a.since.localeCompare(b.since));
    return { approvals, nextPageToken: pageTokenText(response.nextPageToken) };
  }

  /**
   * Approves or rejects; the flow goes on with the decision, the typed input and who decided.
   * Every way this can fail is a Baton error with the cause: NotFoundError (no such run or
   * approval), ConflictError (decided already, the run ended, or it takes no approvals),
   * ValidationError (input refused, or the flow's input schema threw), WorkerUnavailableError (no
   * worker runs the flow run, or the one that does fails to take the decision within the wait).
   */
  async decide(flowRunId: string, key: string, decision: Decide, decidedBy: string, options: DecideOptions = {}): Promise<ApprovalResult<unknown>> {
    const request: DecideRequest = { key, decision: decision.decision, input: decision.input, comment: decision.comment, decidedBy };
    const handle = this.ctx.temporal.workflow.getHandle(flowRunId);
    let taskQueue: string;
    try {
      const description = await handle.describe();
      const status = description.status.name;
      if (status !== 'RUNNING') throw new ConflictError(`flow run ${flowRunId} has already ended (${status.toLowerCase()})`);
      // A run due later (or waiting for its retry) runs nothing until then: no worker could take a decision.
      if (description.executionTime && description.executionTime.getTime() > Date.now()) {
        throw new ConflictError(`flow run ${flowRunId} has not started yet (it starts at ${description.executionTime.toISOString()}): it waits for no approval`);
      }
      taskQueue = description.taskQueue;
    } catch (err) {
      const notFound = flowRunNotFound(err, flowRunId);
      throw notFound instanceof NotFoundError ? notFound : decisionError(err, { flowRunId, key });
    }
    // Without a worker polling, the update would wait for one: say so at once and send nothing.
    // Temporal's list of pollers can miss a live worker, so one that answers a query counts too.
    if (!(await this.hasWorker(taskQueue)) && !(await this.answersQuery(handle))) {
      throw new WorkerUnavailableError(
        `no worker is running flow run ${flowRunId}: none polls its task queue '${taskQueue}'. Start a worker for the flow and decide again; nothing was decided`,
        flowRunId,
      );
    }
    const waitSeconds = options.waitSeconds ?? DECIDE_WAIT_SECONDS;
    try {
      return await this.ctx.temporal.withDeadline(Date.now() + waitSeconds * 1000, () =>
        handle.executeUpdate<ApprovalResult<unknown>, [DecideRequest]>(DECIDE_UPDATE, { args: [request] }),
      );
    } catch (err) {
      if (isDecisionTimeout(err)) throw await this.notTaken(flowRunId, taskQueue, waitSeconds);
      throw decisionError(err, { flowRunId, key });
    }
  }

  /** Whether a worker answers a query on the run within 2 s (a query writes nothing to its history). */
  private async answersQuery(handle: WorkflowHandle): Promise<boolean> {
    try {
      await this.ctx.temporal.withDeadline(Date.now() + 2_000, () => handle.query(STREAM_QUERY, { limit: 1 }));
      return true;
    } catch (err) {
      // A worker answered, for a run without a stream.
      return err instanceof QueryNotRegisteredError;
    }
  }

  /** Whether any worker polls the task queue for flow tasks (Temporal remembers recent pollers). */
  private async hasWorker(taskQueue: string): Promise<boolean> {
    const response = await this.ctx.workflowService.describeTaskQueue({
      namespace: this.ctx.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers ?? []).length > 0;
  }

  /**
   * Why a run took no decision within the wait: its worker failed the workflow task that carried
   * it (the last workflow task in its history failed), or no live worker picked the task up.
   */
  private async notTaken(flowRunId: string, taskQueue: string, waitSeconds: number): Promise<WorkerUnavailableError> {
    const E = temporal.api.enums.v1.EventType;
    let failure: temporal.api.failure.v1.IFailure | null | undefined;
    try {
      // Its own deadline: the caller's may have passed while the decision waited.
      const history = await this.ctx.temporal.withDeadline(Date.now() + 5_000, () =>
        this.ctx.workflowService.getWorkflowExecutionHistoryReverse({
          namespace: this.ctx.namespace,
          execution: { workflowId: flowRunId },
          maximumPageSize: 50,
        }),
      );
      const lastTask = (history.history?.events ?? []).find(
        (e) => e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_FAILED || e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      );
      if (lastTask?.eventType === E.EVENT_TYPE_WORKFLOW_TASK_FAILED) failure = lastTask.workflowTaskFailedEventAttributes?.failure;
    } catch {
      // The history only refines the message; without it the answer still says no worker took the decision.
    }
    if (failure) {
      return new WorkerUnavailableError(
        `the worker running flow run ${flowRunId} fails while taking the decision: ${describeFailure(failure)}. ` +
          'The decision is not applied; fix the flow and restart its workers',
        flowRunId,
      );
    }
    return new WorkerUnavailableError(
      `no worker is running flow run ${flowRunId}: no worker on task queue '${taskQueue}' took the decision within ${waitSeconds} s. ` +
        'It is not applied; it may still be once a worker picks the run up, so read the run before deciding again',
      flowRunId,
    );
  }
}
