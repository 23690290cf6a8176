/** The task queue route: which workers poll a queue, as Temporal's DescribeTaskQueue reports them. */
import { temporal } from '@temporalio/proto';
import type { BatonClient } from '../../client/client';
import { isoTime } from '../../client/temporal-values';
import { TaskQueue, type TaskQueuePoller } from '../../core/schemas';
import { defineRoute } from '../route';
import { NameParam } from './params';

const QueueType = temporal.api.enums.v1.TaskQueueType;

export function taskQueueRoutes(client: BatonClient) {
  const pollers = async (name: string, taskQueueType: temporal.api.enums.v1.TaskQueueType): Promise<TaskQueuePoller[]> => {
    const res = await client.connection.workflowService.describeTaskQueue({ namespace: client.namespace, taskQueue: { name }, taskQueueType });
    return (res.pollers ?? []).map((p) => ({ identity: p.identity ?? '', lastAccessTime: isoTime(p.lastAccessTime) }));
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/task-queues/:name',
      summary: 'The workers polling a task queue, for flows and for tasks (an unknown queue has none)',
      tag: 'system',
      access: 'read',
      params: NameParam,
      response: TaskQueue,
      errors: [503],
      handler: async ({ params }) => {
        const [flowPollers, taskPollers] = await Promise.all([
          pollers(params.name, QueueType.TASK_QUEUE_TYPE_WORKFLOW),
          pollers(params.name, QueueType.TASK_QUEUE_TYPE_ACTIVITY),
        ]);
        return { name: params.name, flowPollers, taskPollers };
      },
    }),
  ];
}
