/**
 * Approvals, client side: every pending approval across runs (one visibility query: waiting flows
 * publish BatonState and their pending approvals in their memo), and decisions, sent as a Temporal
 * update whose validator refuses bad input without touching the run.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ApprovalList, Decide, ListApprovalsQuery, PendingApprovalItem } from '../api/schemas';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../shared/errors';
import { APPROVALS_MEMO, DECIDE_UPDATE, type ApprovalResult, type DecideRequest, type PendingApproval } from '../shared/human';
import { DEPLOYMENT, FLOW_NAME, RUN_NAME, WAITING_STATE } from '../shared/search-attributes';
import type { BatonClient } from './client';
import { quote } from './deployments';
import { decodePayload } from './flow-run-state';

function keyword(payload: unknown): string | null {
  const value = decodePayload(payload as never);
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : null;
  return typeof value === 'string' ? value : null;
}

export class Approvals {
  constructor(private readonly client: BatonClient) {}

  /** Every pending approval, oldest run first within a page of waiting runs. */
  async list(query: Partial<ListApprovalsQuery> = {}): Promise<ApprovalList> {
    const clauses = [`ExecutionStatus = 'Running'`, `${WAITING_STATE.name} = 'AwaitingApproval'`];
    if (query.flow) clauses.push(`${FLOW_NAME.name} = ${quote(query.flow)}`);
    if (query.deployment) clauses.push(`${DEPLOYMENT.name} = ${quote(query.deployment)}`);
    const response = await this.client.connection.workflowService.listWorkflowExecutions({
      namespace: this.client.options.target.namespace,
      pageSize: query.pageSize ?? 50,
      nextPageToken: query.pageToken ? Buffer.from(query.pageToken, 'base64url') : undefined,
      query: clauses.join(' AND '),
    });
    const approvals: PendingApprovalItem[] = [];
    for (const e of response.executions ?? []) {
      const fields = e.searchAttributes?.indexedFields ?? {};
      const pending = decodePayload(e.memo?.fields?.[APPROVALS_MEMO] as never);
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
          webUrl: this.client.webUrl(e.execution?.workflowId ?? '') ?? null,
        });
      }
    }
    approvals.sort((a, b) => a.since.localeCompare(b.since));
    const token = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64url') : null;
    return { approvals, nextPageToken: token };
  }

  /** Approves or rejects; the flow goes on with the decision, the typed input and who decided. */
  async decide(flowRunId: string, key: string, decision: Decide, decidedBy: string): Promise<ApprovalResult<unknown>> {
    const request: DecideRequest = { key, decision: decision.decision, input: decision.input, comment: decision.comment, decidedBy };
    const handle = this.client.temporal.workflow.getHandle(flowRunId);
    try {
      const status = (await handle.describe()).status.name;
      if (status !== 'RUNNING') throw new ConflictError(`flow run ${flowRunId} has already ended (${status.toLowerCase()})`);
      return await handle.executeUpdate<ApprovalResult<unknown>, [DecideRequest]>(DECIDE_UPDATE, { args: [request] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const cause = err.cause;
        const detail = (cause.details?.[0] ?? {}) as { issues?: FieldIssue[] };
        if (cause.type === 'NotFoundError') throw new NotFoundError(cause.message);
        if (cause.type === 'ConflictError') throw new ConflictError(cause.message);
        if (cause.type === 'ValidationError') {
          const error = new ValidationError('approval input', detail.issues ?? []);
          Object.defineProperty(error, 'message', { value: cause.message });
          throw error;
        }
      }
      throw err;
    }
  }
}
