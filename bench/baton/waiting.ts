// W5's waiting flow, in a module of its own that imports nothing but Baton: a run evaluates only
// its own flow's module, so what W5 measures is what a waiting run costs, not zod (see W5z).
import { approval, flow } from '../../src/workflows';

export const waiting = flow({ name: 'bench-wait' }, async () => {
  const answer = await approval('go');
  return answer.decision;
});
