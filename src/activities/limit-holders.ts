/**
 * The activity a limit's workflow asks which of its holders are gone: a flow holder whose run is
 * no longer running (terminated, timed out, or ended without giving its slots back), a task holder
 * whose attempt is over (its flow run closed, or the task is no longer pending at that attempt: a
 * worker that died mid-task is noticed by the task's heartbeat timeout, then retried as a new
 * attempt). Read from Temporal itself, so a holder needs no lease renewals of its own.
 */
import type { Client } from '@temporalio/client';
import { LIMIT_GONE_HOLDERS_ACTIVITY, type LimitHolder } from '../core/concurrency-limits';

export function limitHolderActivities(client: () => Promise<Client>): Record<string, (holders: LimitHolder[]) => Promise<string[]>> {
  return {
    [LIMIT_GONE_HOLDERS_ACTIVITY]: async (holders) => {
      const temporal = await client();
      const gone: string[] = [];
      await Promise.all(
        holders.map(async (holder) => {
          const { flowRunId, runId, kind, activityId, attempt } = holder.party;
          let description;
          try {
            description = await temporal.workflowService.describeWorkflowExecution({
              namespace: temporal.options.namespace,
              execution: { workflowId: flowRunId, runId },
            });
          } catch (err) {
            // NOT_FOUND: the run is gone from Temporal altogether.
            if ((err as { code?: unknown }).code === 5) gone.push(holder.leaseId);
            return;
          }
          const running = description.workflowExecutionInfo?.status === 1;
          if (!running) return void gone.push(holder.leaseId);
          if (kind !== 'task') return;
          const pending = (description.pendingActivities ?? []).find((a) => a.activityId === activityId);
          // STARTED = 2: the attempt still runs (or has not yet been timed out by its heartbeat).
          if (!pending || pending.attempt !== attempt || pending.state !== 2) gone.push(holder.leaseId);
        }),
      );
      return gone;
    },
  };
}
