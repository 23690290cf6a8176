/** Run triggers (for a deployment, for a flow) and what they answer, retries included. */
import { z } from 'zod';
import { Parameters, Tag, Timestamp } from './common';
import { contract, doc } from './contract';

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
