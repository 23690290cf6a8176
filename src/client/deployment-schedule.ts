/**
 * A deployment as a Temporal Schedule, both ways: its schedule id, the metadata Baton keeps in the
 * schedule's start-workflow action memo, the schedule options it is applied as, and the Deployment
 * shown back from a schedule's description. Pure: deployments.ts does the I/O.
 */
import { ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleOptions, type ScheduleSpec, type ScheduleUpdateOptions } from '@temporalio/client';
import type { ZodType } from 'zod';
import { NotFoundError } from '../core/errors';
import { flowRetryPolicy, parametersToSend, PARSED_PARAMETERS_MEMO, type FlowOptions } from '../core/flow-options';
import type { Deployment, DeploymentConcurrencyLimit, OverlapPolicy, Schedule } from '../core/schemas';
import { DEPLOYMENT_CONCURRENCY_MEMO, deploymentLimitName, type DeploymentConcurrency } from '../core/concurrency-limits';
import { DEPLOYMENT, FLOW_NAME, RUN_STATE, TAGS } from '../core/search-attributes';
import type { AnyFlow } from '../workflows/flow';

/** The schedule id of a deployment. */
export function scheduleIdOf(name: string): string {
  return `deployment-${name}`;
}

/** What Baton keeps in the schedule action's memo, under `baton`. */
export interface DeploymentMeta {
  deployment: string;
  flow: string;
  description: string | null;
  version: string | null;
  tags: string[];
  parameters: Record<string, unknown>;
  taskQueue: string;
  schedules: Schedule[];
  startAt: string | null;
  endAt: string | null;
  jitterSeconds: number | null;
  overlap: OverlapPolicy;
  catchupWindowSeconds: number | null;
  paused: boolean;
  /** At most this many runs at once (limit `deployment:<name>`); absent in deployments made before it existed. */
  concurrencyLimit?: DeploymentConcurrencyLimit | null;
  createdAt: string;
  updatedAt: string;
}

/** Baton's overlap policy names as Temporal's. */
export const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

const NO_SCHEDULE_NOTE = 'baton: no schedule';
const PAUSED_NOTE = 'baton: paused';

function specOf(meta: DeploymentMeta): ScheduleSpec {
  const crons = meta.schedules.filter((s): s is Extract<Schedule, { cron: string }> => 'cron' in s);
  const intervals = meta.schedules.filter((s): s is Extract<Schedule, { intervalSeconds: number }> => 'intervalSeconds' in s);
  return {
    // Temporal reads a per-expression timezone from a CRON_TZ prefix.
    cronExpressions: crons.map((c) => (c.timezone ? `CRON_TZ=${c.timezone} ${c.cron}` : c.cron)),
    intervals: intervals.map((i) => ({ every: i.intervalSeconds * 1000, offset: (i.offsetSeconds ?? 0) * 1000 })),
    startAt: meta.startAt ? new Date(meta.startAt) : undefined,
    endAt: meta.endAt ? new Date(meta.endAt) : undefined,
    jitter: meta.jitterSeconds ? meta.jitterSeconds * 1000 : undefined,
  };
}

/** The Baton deployment a schedule holds (its action memo); NotFoundError for any other schedule. */
export function metaOf(description: ScheduleDescription): DeploymentMeta {
  const meta = (description.action.memo as { baton?: DeploymentMeta } | undefined)?.baton;
  if (!meta) throw new NotFoundError(`schedule ${description.scheduleId} is not a Baton deployment`);
  return meta;
}

/** A deployment as the API and client show it, from its schedule. */
export function deploymentOf(description: ScheduleDescription): Deployment {
  const meta = metaOf(description);
  return {
    name: meta.deployment,
    flow: meta.flow,
    description: meta.description,
    version: meta.version,
    tags: meta.tags,
    parameters: meta.parameters,
    taskQueue: meta.taskQueue,
    schedules: meta.schedules,
    startAt: meta.startAt,
    endAt: meta.endAt,
    jitterSeconds: meta.jitterSeconds,
    overlap: meta.overlap,
    catchupWindowSeconds: meta.catchupWindowSeconds,
    paused: description.state.paused,
    concurrencyLimit: meta.concurrencyLimit ?? null,
    nextRunTimes: description.state.paused ? [] : description.info.nextActionTimes.map((d) => d.toISOString()),
    recentRuns: description.info.recentActions.map((a) => ({
      flowRunId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      startedAt: a.takenAt.toISOString(),
    })),
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
  };
}

/** The Temporal Schedule a deployment is. */
export function scheduleOptions(meta: DeploymentMeta, flow: AnyFlow): Omit<ScheduleOptions, 'scheduleId'> {
  const flowOptions = flow.options as FlowOptions<unknown>;
  const hasSpec = meta.schedules.length > 0;
  return {
    spec: specOf(meta),
    action: {
      type: 'startWorkflow',
      workflowType: meta.flow,
      workflowId: `${meta.deployment}-scheduled`,
      taskQueue: meta.taskQueue,
      // A schedule starts runs with no Baton code in between: the complete parsed parameters
      // (defaults as of this deploy) go into the schedule, as any other edge sends them.
      ...scheduledStart(flowOptions, meta),
      retry: flowRetryPolicy(flowOptions),
      staticDetails: meta.description ?? undefined,
      typedSearchAttributes: [
        { key: FLOW_NAME, value: meta.flow },
        { key: DEPLOYMENT, value: meta.deployment },
        { key: RUN_STATE, value: 'Pending' },
        ...(meta.tags.length ? [{ key: TAGS, value: meta.tags }] : []),
      ],
    },
    policies: {
      overlap: OVERLAP[meta.overlap],
      catchupWindow: meta.catchupWindowSeconds ? meta.catchupWindowSeconds * 1000 : undefined,
    },
    typedSearchAttributes: [
      { key: FLOW_NAME, value: meta.flow },
      { key: DEPLOYMENT, value: meta.deployment },
      ...(meta.tags.length ? [{ key: TAGS, value: meta.tags }] : []),
    ],
    state: {
      paused: meta.paused || !hasSpec,
      note: !hasSpec ? NO_SCHEDULE_NOTE : meta.paused ? PAUSED_NOTE : undefined,
    },
  };
}

/** What an update replaces: everything but the id and the schedule-level memo. */
export function scheduleUpdate(meta: DeploymentMeta, flow: AnyFlow): ScheduleUpdateOptions {
  const o = scheduleOptions(meta, flow);
  return { spec: o.spec, action: o.action, policies: o.policies, typedSearchAttributes: o.typedSearchAttributes, state: o.state! };
}

/**
 * The parameters a schedule starts runs with: parsed and complete (and marked so) when the schema
 * accepts them; as given otherwise (a deployment without a schedule), for the flow to parse.
 */
function scheduledStart(flowOptions: FlowOptions<unknown>, meta: DeploymentMeta): { args: unknown[]; memo: Record<string, unknown> } {
  const memo = { baton: meta, deployment: meta.deployment, ...deploymentConcurrencyMemo(meta) };
  const schema = flowOptions.parameters as ZodType | undefined;
  const parsed = schema ? schema.safeParse(meta.parameters) : { success: true as const, data: meta.parameters };
  if (!parsed.success) return { args: [meta.parameters], memo };
  return { args: [parametersToSend(parsed.data)], memo: { ...memo, ...PARSED_PARAMETERS_MEMO } };
}

/** What a run of the deployment carries in its memo so it takes the deployment's limit (none without one). */
export function deploymentConcurrencyMemo(meta: Pick<DeploymentMeta, 'deployment' | 'concurrencyLimit'>): Record<string, DeploymentConcurrency> {
  if (!meta.concurrencyLimit) return {};
  return { [DEPLOYMENT_CONCURRENCY_MEMO]: { limit: deploymentLimitName(meta.deployment), collisionStrategy: meta.concurrencyLimit.collisionStrategy } };
}
