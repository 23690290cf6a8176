/**
 * The Node side of global concurrency limits: local activities flows call before they queue
 * (which tag limits exist; a per-key limit made from its template on first use), and the activity
 * a limit asks which of its holders are gone (their run or attempt ended). Holder liveness is read
 * from Temporal itself, so holders renew nothing: a flow run that is not running, or a task attempt
 * that is no longer the pending one (a dead worker's task is noticed by its heartbeat timeout and
 * retried as a new attempt), has lost its slots.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ConcurrencyLimits } from '../client/concurrency-limits';
import {
  KEYED_IDLE_SECONDS,
  LIMIT_ENSURE_KEYED_ACTIVITY,
  LIMIT_EXISTING_ACTIVITY,
  LIMIT_GONE_HOLDERS_ACTIVITY,
  limitWorkflowId,
  type LimitHolder,
} from '../core/concurrency-limits';
import { NotFoundError } from '../core/errors';

/** Milliseconds a worker trusts what it read about a limit's existence. */
const EXISTING_TTL_MS = 2_000;

export function limitActivities(client: () => Promise<Client>, taskQueue: string): Record<string, (...args: never[]) => Promise<unknown>> {
  const seen = new Map<string, { exists: boolean; at: number }>();
  const exists = async (temporal: Client, name: string): Promise<boolean> => {
    const cached = seen.get(name);
    if (cached && Date.now() - cached.at < EXISTING_TTL_MS) return cached.exists;
    const found = await temporal.workflow
      .getHandle(limitWorkflowId(name))
      .describe()
      .then(
        (d) => d.status.name === 'RUNNING',
        (err: unknown) => (err instanceof Error && err.name === 'WorkflowNotFoundError' ? false : Promise.reject(err)),
      );
    seen.set(name, { exists: found, at: Date.now() });
    return found;
  };
  const limits = async () => {
    const temporal = await client();
    return new ConcurrencyLimits({ temporal, workflowService: temporal.workflowService, namespace: temporal.options.namespace, defaultTaskQueue: taskQueue });
  };

  return {
    [LIMIT_EXISTING_ACTIVITY]: async (names: string[]) => {
      const temporal = await client();
      const found = await Promise.all(names.map((n) => exists(temporal, n)));
      return names.filter((_, i) => found[i]);
    },
    [LIMIT_ENSURE_KEYED_ACTIVITY]: async ({ template, name }: { template: string; name: string }) => {
      const all = await limits();
      let settings;
      try {
        settings = await all.get(template);
      } catch (err) {
        if (err instanceof NotFoundError) {
          // Not retried: the flow fails with this, naming the template.
          throw ApplicationFailure.nonRetryable(
            `no concurrency limit named '${template}' to make the per-key limit '${name}' from: create it first (baton concurrency-limit create ${template} --slots <n>)`,
            'NotFoundError',
          );
        }
        throw err;
      }
      seen.delete(name);
      return all.ensure({ name, slots: settings.slots, slotDecayPerSecond: settings.slotDecayPerSecond, active: settings.active }, KEYED_IDLE_SECONDS);
    },
    [LIMIT_GONE_HOLDERS_ACTIVITY]: async (holders: LimitHolder[]) => {
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
          // 1: RUNNING.
          if (description.workflowExecutionInfo?.status !== 1) return void gone.push(holder.leaseId);
          // A flow (or a local task, which lives in its flow's worker) holds as long as its run runs.
          if (kind !== 'task' || activityId === undefined) return;
          const pending = (description.pendingActivities ?? []).find((a) => a.activityId === activityId);
          // 2: STARTED; the attempt still runs (or has not yet been timed out by its heartbeat).
          if (!pending || pending.attempt !== attempt || pending.state !== 2) gone.push(holder.leaseId);
        }),
      );
      return gone;
    },
  };
}
