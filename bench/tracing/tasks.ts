// The tracing benchmark's task: does nothing, so what is measured is Baton's and tracing's own cost.
import { task } from '../../src';

export const noop = task({ name: 'trace-bench-noop' }, async (i: number) => i);
