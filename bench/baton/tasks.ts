// Benchmark tasks: no-ops, so the figures measure orchestration, not work.
import { task } from '../../src';

export const noop = task({ name: 'bench-noop' }, async (i: number) => i);
