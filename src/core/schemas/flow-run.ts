/** Flow runs and task runs as the API shows and lists them, in Baton's state vocabulary. */
import { z } from 'zod';
import { STATES } from '../states';
import { Name, Page, Tag, Timestamp } from './common';
import { contract, doc } from './contract';

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
  name: doc(
    z
      .string()
      .min(1)
      .max(200)
      // eslint-disable-next-line no-control-regex -- the NUL is one of the characters refused
      .regex(/^[^"\u0000]*$/, 'must not contain a double quote (") or a NUL character')
      .optional(),
    'Runs whose run name starts with this text (case-sensitive).',
  ),
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
    /** Tokens an LLM task run used (any task whose result carries `usage` in this shape). */
    usage: z.object({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable(), totalTokens: z.number().nullable() }).optional(),
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
