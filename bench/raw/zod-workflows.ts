// W5z's raw side: the waiting workflow of workflows.ts in a bundle of its own that imports zod and
// declares a schema, as a Temporal user who validates input with zod would write it.
import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import { z } from 'zod';

const go = defineSignal('go');
const Input = z.object({ note: z.string().optional() });

export async function rawWaitZod(input: unknown = {}): Promise<string> {
  Input.parse(input);
  let released = false;
  setHandler(go, () => {
    released = true;
  });
  await condition(() => released);
  return 'approve';
}
