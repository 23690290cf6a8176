/** Deployments: what is applied, what is shown, listed, and backfilled. */
import { z } from 'zod';
import { MAX_LIMIT_SLOTS } from '../concurrency-limits';
import { cronProblem, isTimezone } from '../cron';
import { Name, Page, Parameters, Tag, Timestamp } from './common';
import { contract, doc } from './contract';

export const Timezone = z.string().refine(isTimezone, { error: 'must be an IANA timezone such as Europe/Paris' }).register(contract, { example: 'Europe/Paris' });
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
    offsetSeconds: doc(
      z
        .number()
        .min(0)
        .max(366 * 86_400, 'must be at most a year (31,622,400 seconds)')
        .optional(),
      "Shifts the interval's grid: every hour at minute 15 is { intervalSeconds: 3600, offsetSeconds: 900 }.",
    ),
  })
  .strict()
  // Temporal refuses an offset that is not shorter than its interval (an offset of a whole
  // interval is the grid with no offset).
  .refine((s) => s.offsetSeconds === undefined || s.offsetSeconds < s.intervalSeconds, { path: ['offsetSeconds'], error: 'must be less than intervalSeconds' })
  .register(contract, { id: 'IntervalSchedule' });
export type IntervalSchedule = z.infer<typeof IntervalSchedule>;

export const Schedule = z.union([CronSchedule, IntervalSchedule]).register(contract, { id: 'Schedule' });
export type Schedule = z.infer<typeof Schedule>;

export const OverlapPolicy = z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all']);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

export const DeploymentConcurrencyLimit = z
  .object({
    limit: doc(z.number().int().min(1).max(MAX_LIMIT_SLOTS), 'Runs of the deployment that may run at once.'),
    collisionStrategy: doc(
      z.enum(['ENQUEUE', 'CANCEL_NEW']).default('ENQUEUE'),
      'What a run does when `limit` runs are going: ENQUEUE waits for one to end (reading Pending), CANCEL_NEW ends Cancelled at once.',
    ),
  })
  .strict()
  .register(contract, { id: 'DeploymentConcurrencyLimit' });
export type DeploymentConcurrencyLimit = z.infer<typeof DeploymentConcurrencyLimit>;

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
  concurrencyLimit: doc(
    DeploymentConcurrencyLimit.nullable().optional(),
    'At most this many runs of the deployment at once (the limit `deployment:<name>`); null removes it.',
  ),
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
    concurrencyLimit: DeploymentConcurrencyLimit.nullable(),
    nextRunTimes: z.array(z.string()),
    recentRuns: z.array(z.object({ flowRunId: z.string(), scheduledAt: z.string(), startedAt: z.string() })),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .register(contract, { id: 'Deployment' });
export type Deployment = z.infer<typeof Deployment>;

export const ListDeploymentsQuery = Page.extend({ flow: Name.optional(), tag: Tag.optional() }).strict();
export type ListDeploymentsQuery = z.infer<typeof ListDeploymentsQuery>;

export const DeploymentList = z.object({ deployments: z.array(Deployment), nextPageToken: z.string().nullable() }).register(contract, { id: 'DeploymentList' });
export type DeploymentList = z.infer<typeof DeploymentList>;

export const Backfill = z
  .object({ start: Timestamp, end: Timestamp, overlap: OverlapPolicy.optional() })
  .strict()
  .refine((b) => Date.parse(b.start) < Date.parse(b.end), { path: ['end'], error: 'must be after start' })
  .register(contract, { id: 'Backfill' });
export type Backfill = z.infer<typeof Backfill>;
