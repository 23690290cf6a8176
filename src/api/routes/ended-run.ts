/**
 * A run that ends while an action on it is under way. The client checks that the run is running,
 * then signals or cancels it; a run that ends in between makes Temporal answer "workflow execution
 * already completed" (the SDK's WorkflowNotFoundError), which is the same conflict the check reports.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ConflictError } from '../../core/errors';

/** Runs `act` on a live run; a run that ended meanwhile is a ConflictError (409), not a 500. */
export async function whileRunning(flowRunId: string, action: string, act: () => Promise<void>): Promise<void> {
  try {
    await act();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new ConflictError(`cannot ${action} flow run ${flowRunId}: it ended while the ${action} was on its way`, { cause: err });
    throw err;
  }
}
