// The task the baseline calls: does nothing, so a round costs what scheduling one task costs.
import { task } from '../../src';

export const noop = task({ name: 'bench-limit-noop' }, async () => undefined);
