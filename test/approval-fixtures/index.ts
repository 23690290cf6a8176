// Flows whose approvals cannot be decided, for test/approval-failures.test.ts.
import { z } from 'zod';
import { approval, flow } from '../../src/workflows';

/** The approval's input schema throws a plain TypeError when it checks the input. */
export const schemaThrows = flow({ name: 'schema-throws-approval' }, async () => {
  const Input = z.object({ reviewer: z.string() }).refine(() => {
    throw new TypeError('the input schema broke');
  });
  const answer = await approval('ship', { input: Input });
  return answer.decision;
});

/**
 * The input schema passes its first check and throws on the next: the update's validator accepts
 * the decision, then its handler (which parses again) throws, and the worker fails the workflow task.
 */
export const handlerThrows = flow({ name: 'handler-throws-approval' }, async () => {
  let checks = 0;
  const Input = z.object({ reviewer: z.string() }).refine(() => {
    checks += 1;
    if (checks > 1) throw new TypeError('input checked twice');
    return true;
  });
  const answer = await approval('ship', { input: Input });
  return answer.decision;
});

/** A plain approval without input, for runs whose worker goes away. */
export const plainApproval = flow({ name: 'plain-approval' }, async () => {
  const answer = await approval('ship', { description: 'ship it?' });
  return answer.decision;
});
