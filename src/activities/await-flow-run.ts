/**
 * The activity an onCrashed watcher waits in: it long-polls the flow run's outcome through
 * Temporal (following its retries) and answers with the status it closed with. It heartbeats while
 * it waits, so a lost worker is noticed and another takes the wait over.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { AWAIT_FLOW_RUN_ACTIVITY, type FlowRunClosed } from '../core/hooks';

const HEARTBEAT_MS = 5_000;

export function awaitFlowRunActivities(client: () => Promise<Client>): Record<string, (flowRunId: string) => Promise<FlowRunClosed>> {
  return {
    [AWAIT_FLOW_RUN_ACTIVITY]: async (flowRunId) => {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_MS);
      try {
        const handle = (await client()).workflow.getHandle(flowRunId);
        for (;;) {
          // How it ended is read from its description: result() throws for every ending but one.
          await Promise.race([handle.result().catch(() => undefined), ctx.cancelled]);
          const { status } = await handle.describe();
          if (status.name !== 'RUNNING') return { status: status.name };
          // Still running (a poll cut short): wait again.
          await Promise.race([ctx.sleep(1_000), ctx.cancelled]);
        }
      } finally {
        clearInterval(beat);
      }
    },
  };
}
