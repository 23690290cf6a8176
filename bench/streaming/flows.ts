// The streaming benchmark's flow: one task that streams.
import { flow, tasks } from '../../src/workflows';
import type * as t from './tasks';

const { produce } = tasks<typeof t>();

export const streamBench = flow({ name: 'bench-stream' }, async ({ n, everyMs }: { n: number; everyMs: number }) => produce(n, everyMs));
