/** A task queue as the API reports it: the workers Temporal has seen polling it, for flows and for tasks. */
import { z } from 'zod';
import { contract, doc } from './contract';

export const TaskQueuePoller = z
  .object({
    /** The worker's identity (`pid@host` unless the worker set its own). */
    identity: z.string(),
    lastAccessTime: doc(z.string().nullable(), 'when Temporal last saw this worker poll (ISO 8601); it lists a worker for a few minutes after its last poll'),
  })
  .register(contract, { id: 'TaskQueuePoller' });
export type TaskQueuePoller = z.infer<typeof TaskQueuePoller>;

export const TaskQueue = z
  .object({
    name: z.string(),
    /** Workers polling for flow work (Temporal's workflow task queue). */
    flowPollers: doc(z.array(TaskQueuePoller), 'workers polling for flow work (workflow tasks)'),
    /** Workers polling for task work (Temporal's activity task queue). */
    taskPollers: doc(z.array(TaskQueuePoller), 'workers polling for task work (activities)'),
  })
  .register(contract, { id: 'TaskQueue' });
export type TaskQueue = z.infer<typeof TaskQueue>;
