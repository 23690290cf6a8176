import { task } from 'baton';

export interface Row {
  id: number;
  email: string;
  amount: number;
}

/** Pretend extraction: deterministic rows, some of them bad. */
export const loadRows = task({ name: 'load-rows', retries: 2, retryDelaySeconds: 1 }, async (source: string, count: number) =>
  Array.from({ length: count }, (_, i): Row => ({
    id: i + 1,
    email: i % 7 === 6 ? `broken-${source}` : `user${i + 1}@${source}.example`,
    amount: (i * 37) % 500,
  })),
);

export const checkRow = task({ name: 'check-row', taskRunName: 'check-row-{row.id}' }, async (row: Row) => ({
  id: row.id,
  ok: /^[^@\s]+@[^@\s]+$/.test(row.email) && row.amount >= 0,
}));

export const publish = task({ name: 'publish-rows', retries: 3, retryDelaySeconds: [1, 2, 4] }, async (rows: Row[]) => rows.length);
