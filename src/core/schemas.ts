/**
 * The contract: zod schemas for every request and response of the REST API. The API validates
 * with them, the OpenAPI document is generated from them, and the client and CLI parse with them.
 * A schema and its inferred type share a name.
 */
import { z } from 'zod';
import { cronProblem, isTimezone } from './cron';
import { STATES } from './states';

/** What Baton's contract registry keeps of a schema: the OpenAPI document is built from it alone. */
export interface ContractMeta {
  id?: string;
  description?: string;
  example?: unknown;
}

/**
 * Baton's own schema registry. Schemas register here, not in zod's global registry, so a user's
 * schema with `.meta({ id })` (in a flow's parameters, say) never reaches Baton's OpenAPI document
 * nor collides with a Baton schema's id. Field descriptions registered here reach the document.
 */
export const contract = z.registry<ContractMeta>();

/** A copy of `schema` with a description that reaches the OpenAPI document. */
export function doc<T extends z.ZodType>(schema: T, description: string): T {
  const copy = schema.clone() as T;
  contract.add(copy, { description });
  return copy;
}

const Name = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only letters, digits, . _ -');
const Tag = z.string().min(1).max(100);
const Timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-21T09:00:00Z' });
export const Timezone = z.string().refine(isTimezone, { error: 'must be an IANA timezone such as Europe/Paris' }).register(contract, { example: 'Europe/Paris' });
const Parameters = z.record(z.string(), z.unknown());

export const CronSchedule = z
  .object({
    cron: z.string().superRefine((value, ctx) => {
      const problem = cronProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    timezone: doc(Timezone.optional(), 'IANA timezone the expression is read in. Default UTC.'),
  })
  .strict()
  .register(contract, { id: 'CronSchedule', example: { cron: '0 9 * * MON-FRI', timezone: 'Europe/Paris' } });
export type CronSchedule = z.infer<typeof CronSchedule>;

export const IntervalSchedule = z
  .object({
    intervalSeconds: z
      .number()
      .min(1, 'must be at least 1 second')
      .max(366 * 86_400),
    offsetSeconds: doc(z.number().min(0).optional(), "Shifts the interval's grid: every hour at minute 15 is { intervalSeconds: 3600, offsetSeconds: 900 }."),
  })
  .strict()
  .register(contract, { id: 'IntervalSchedule' });
export type IntervalSchedule = z.infer<typeof IntervalSchedule>;

export const Schedule = z.union([CronSchedule, IntervalSchedule]).register(contract, { id: 'Schedule' });
export type Schedule = z.infer<typeof Schedule>;

export const OverlapPolicy = z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all']);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

const DeploymentFields = {
  flow: doc(Name, 'the flow the deployment runs'),
  description: z.string().max(2_000).optional(),
  version: z.string().max(100).optional(),
  tags: z.array(Tag).max(20).optional(),
  parameters: doc(Parameters.optional(), "Default parameters, merged under each run's own."),
  taskQueue: Name.optional(),
  schedules: z.array(Schedule).max(20).optional(),
  startAt: Timestamp.optional(),
  endAt: Timestamp.optional(),
  jitterSeconds: z.number().min(0).max(86_400).optional(),
  overlap: OverlapPolicy.optional(),
  catchupWindowSeconds: z
    .number()
    .min(10, 'must be at least 10 seconds')
    .max(366 * 86_400)
    .optional(),
  paused: z.boolean().optional(),
};

export const CreateDeployment = z
  .object({ name: Name, ...DeploymentFields })
  .strict()
  .register(contract, { id: 'CreateDeployment' });
export type CreateDeployment = z.infer<typeof CreateDeployment>;

export const UpdateDeployment = z.object(DeploymentFields).partial().strict().register(contract, { id: 'UpdateDeployment' });
export type UpdateDeployment = z.infer<typeof UpdateDeployment>;

export const Deployment = z
  .object({
    name: z.string(),
    flow: z.string(),
    description: z.string().nullable(),
    version: z.string().nullable(),
    tags: z.array(z.string()),
    parameters: Parameters,
    taskQueue: z.string(),
    schedules: z.array(Schedule),
    startAt: z.string().nullable(),
    endAt: z.string().nullable(),
    jitterSeconds: z.number().nullable(),
    overlap: OverlapPolicy,
    catchupWindowSeconds: z.number().nullable(),
    paused: z.boolean(),
    nextRunTimes: z.array(z.string()),
    recentRuns: z.array(z.object({ flowRunId: z.string(), scheduledAt: z.string(), startedAt: z.string() })),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .register(contract, { id: 'Deployment' });
export type Deployment = z.infer<typeof Deployment>;

export const Page = z.object({
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  pageToken: z.string().max(2_000).optional(),
});

export const ListDeploymentsQuery = Page.extend({ flow: Name.optional(), tag: Tag.optional() }).strict();
export type ListDeploymentsQuery = z.infer<typeof ListDeploymentsQuery>;

export const DeploymentList = z.object({ deployments: z.array(Deployment), nextPageToken: z.string().nullable() }).register(contract, { id: 'DeploymentList' });
export type DeploymentList = z.infer<typeof DeploymentList>;

/** What a run trigger may say, for a deployment's run and a flow's alike. */
const RunFields = {
  parameters: Parameters.optional(),
  runName: z.string().min(1).max(200).optional(),
  tags: z.array(Tag).max(20).optional(),
  idempotencyKey: doc(z.string().min(1).max(200).optional(), 'the same key returns the same run (200), never a second one'),
  scheduledTime: doc(Timestamp.optional(), 'when the run starts; in the future the run reads Scheduled until then'),
};

export const RunDeployment = z.object(RunFields).strict().register(contract, { id: 'RunDeployment' });
export type RunDeployment = z.infer<typeof RunDeployment>;

/** A run of a flow without a deployment (Prefect's direct flow call): its own parameters only. */
export const RunFlow = z
  .object({ ...RunFields, parameters: doc(Parameters.optional(), "checked against the flow's parameter schema") })
  .strict()
  .register(contract, { id: 'RunFlow' });
export type RunFlow = z.infer<typeof RunFlow>;

export const Backfill = z
  .object({ start: Timestamp, end: Timestamp, overlap: OverlapPolicy.optional() })
  .strict()
  .refine((b) => Date.parse(b.start) < Date.parse(b.end), { path: ['end'], error: 'must be after start' })
  .register(contract, { id: 'Backfill' });
export type Backfill = z.infer<typeof Backfill>;

export const State = z.enum(STATES);

export const FlowRunSummary = z
  .object({
    id: z.string(),
    flowName: z.string(),
    runName: z.string().nullable(),
    state: State,
    deployment: z.string().nullable(),
    tags: z.array(z.string()),
    startTime: z.string().nullable(),
    endTime: z.string().nullable(),
  })
  .register(contract, { id: 'FlowRunSummary' });
export type FlowRunSummary = z.infer<typeof FlowRunSummary>;

export const ListFlowRunsQuery = Page.extend({
  deployment: Name.optional(),
  flow: Name.optional(),
  state: State.optional(),
  tag: Tag.optional(),
  since: doc(Timestamp.optional(), 'Runs started at or after this time.'),
  until: doc(Timestamp.optional(), 'Runs started before this time.'),
}).strict();
export type ListFlowRunsQuery = z.infer<typeof ListFlowRunsQuery>;

export const FlowRunList = z.object({ flowRuns: z.array(FlowRunSummary), nextPageToken: z.string().nullable() }).register(contract, { id: 'FlowRunList' });
export type FlowRunList = z.infer<typeof FlowRunList>;

export const ErrorInfo = z.object({ type: z.string().optional(), message: z.string() });

export const TaskRun = z
  .object({
    id: z.string(),
    kind: z.enum(['task', 'subflow']),
    name: z.string(),
    runName: z.string().optional(),
    state: State,
    attempts: z.number(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    error: ErrorInfo.optional(),
  })
  .register(contract, { id: 'TaskRun' });
export type TaskRun = z.infer<typeof TaskRun>;

export const FlowRun = z
  .object({
    id: z.string(),
    temporalRunId: z.string(),
    flowName: z.string(),
    runName: z.string().optional(),
    state: State,
    tags: z.array(z.string()),
    deployment: z.string().optional(),
    parameters: z.unknown(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    durationMs: z.number().optional(),
    result: z.unknown().optional(),
    error: ErrorInfo.optional(),
    parentFlowRunId: z.string().optional(),
    retryOf: z.string().optional(),
    childFlowRunIds: z.array(z.string()),
    webUrl: z.string().optional(),
    taskRuns: z.array(TaskRun),
  })
  .register(contract, { id: 'FlowRun' });
export type FlowRun = z.infer<typeof FlowRun>;

export const TaskRunList = z.object({ taskRuns: z.array(TaskRun) }).register(contract, { id: 'TaskRunList' });

export const StartedRun = z
  .object({ id: z.string(), flowName: z.string(), runName: z.string().nullable(), webUrl: z.string().nullable(), created: z.boolean() })
  .register(contract, { id: 'StartedRun' });
export type StartedRun = z.infer<typeof StartedRun>;

export const RetryRun = z
  .object({
    mode: doc(
      z.enum(['from-failure', 'restart']).optional(),
      'from-failure: continue this run from its first failed task (default for Failed and TimedOut); restart: a new run with the same parameters.',
    ),
  })
  .strict()
  .register(contract, { id: 'RetryRun' });

export const RetriedRun = StartedRun.extend({ mode: z.enum(['from-failure', 'restart']) }).register(contract, { id: 'RetriedRun' });

export const FlowInfo = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    version: z.string().nullable(),
    tags: z.array(z.string()),
    parameters: doc(z.record(z.string(), z.unknown()).nullable(), 'JSON schema of the parameters'),
  })
  .register(contract, { id: 'Flow' });
export type FlowInfo = z.infer<typeof FlowInfo>;
export const FlowList = z.object({ flows: z.array(FlowInfo) }).register(contract, { id: 'FlowList' });
export type FlowList = z.infer<typeof FlowList>;

export const Health = z
  .object({ status: z.enum(['ok', 'degraded']), temporal: z.object({ reachable: z.boolean(), namespace: z.string() }) })
  .register(contract, { id: 'Health' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .register(contract, { id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Empty = z.object({}).strict();

export const PendingApprovalItem = z
  .object({
    flowRunId: z.string(),
    flowName: z.string(),
    runName: z.string().nullable(),
    deployment: z.string().nullable(),
    key: z.string(),
    description: z.string().nullable(),
    inputSchema: doc(z.record(z.string(), z.unknown()).nullable(), 'JSON schema of the input the approver gives'),
    since: z.string(),
    deadline: z.string().nullable(),
    webUrl: z.string().nullable(),
  })
  .register(contract, { id: 'PendingApproval' });
export type PendingApprovalItem = z.infer<typeof PendingApprovalItem>;

export const ListApprovalsQuery = Page.extend({ flow: Name.optional(), deployment: Name.optional() }).strict();
export type ListApprovalsQuery = z.infer<typeof ListApprovalsQuery>;

export const ApprovalList = z.object({ approvals: z.array(PendingApprovalItem), nextPageToken: z.string().nullable() }).register(contract, { id: 'ApprovalList' });
export type ApprovalList = z.infer<typeof ApprovalList>;

export const Decide = z
  .object({
    decision: z.enum(['approve', 'reject']),
    input: doc(z.unknown().optional(), 'The typed input the approval asks for (checked against its schema when approving).'),
    comment: z.string().max(10_000).optional(),
  })
  .strict()
  .register(contract, { id: 'Decide' });
export type Decide = z.infer<typeof Decide>;

export const ApprovalResult = z
  .object({
    decision: z.enum(['approve', 'reject']),
    input: z.unknown().optional(),
    comment: z.string().optional(),
    decidedBy: z.string(),
    decidedAt: z.string(),
    timedOut: z.boolean(),
  })
  .register(contract, { id: 'ApprovalResult' });

export const Resume = z
  .object({ key: doc(z.string().min(1).max(200).optional(), 'resume only the pause() with this key') })
  .strict()
  .register(contract, { id: 'Resume' });

export const ClearCacheQuery = z
  .object({
    task: z.string().min(1).max(200).optional(),
    key: z
      .string()
      .regex(/^[a-f0-9]{64}$/, 'must be a 64-character hex key')
      .optional(),
  })
  .strict();
export const ClearedCache = z.object({ removed: z.number().int() }).register(contract, { id: 'ClearedCache' });
