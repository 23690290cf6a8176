// The flow the variables benchmark runs: it reads `n` variables in flow code, one local activity each.
import { z } from 'zod';
import { flow, getVariable } from '../../src/workflows';

export const readMany = flow({ name: 'bench-variables-read', parameters: z.object({ names: z.array(z.string()) }) }, async ({ names }) => {
  let found = 0;
  for (const name of names) if ((await getVariable(name)) !== undefined) found++;
  return found;
});
