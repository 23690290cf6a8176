import { z } from 'zod';
import { flow, tasks } from 'baton/workflows';
import type * as t from './tasks';

const { loadRows, checkRow, publish } = tasks<typeof t>();

const RowSchema = z.object({ id: z.number(), email: z.string(), amount: z.number() });

/** The gate, a flow of its own: it runs as a child workflow of the pipeline. */
export const qualityGate = flow(
  {
    name: 'quality-gate',
    parameters: z.object({ rows: z.array(RowSchema), minPassRate: z.number().min(0).max(1) }),
    flowRunName: (p) => `gate-${p.rows.length}-rows`,
  },
  async ({ rows, minPassRate }) => {
    const checks = await checkRow.map(rows);
    const passRate = checks.filter((c) => c.ok).length / Math.max(1, checks.length);
    return { passRate, passed: passRate >= minPassRate, failedIds: checks.filter((c) => !c.ok).map((c) => c.id) };
  },
);

export const pipeline = flow(
  {
    name: 'data-pipeline',
    description: 'Loads rows, checks them in a quality-gate subflow, publishes only if the gate passes',
    parameters: z.object({
      source: z.string().min(1),
      count: z.number().int().min(1).max(500).default(20),
      minPassRate: z.number().min(0).max(1).default(0.8),
    }),
    flowRunName: 'pipeline-{source}',
    tags: ['example'],
  },
  async ({ source, count, minPassRate }) => {
    const rows = await loadRows(source, count);
    const gate = await qualityGate({ rows, minPassRate });
    if (!gate.passed) return { published: 0, gate };
    return { published: await publish(rows), gate };
  },
);
