/**
 * Where runs' log lines are kept. The embedded default is a folder of files, one per run
 * (BATON_HOME/logs), for one machine; Redis, which Baton already uses as its shared result cache,
 * keeps them for workers and APIs on several machines. Both keep a run's first
 * BATON_RUN_LOG_MAX_LINES lines and let them expire with the namespace's retention.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { BatonConfig } from '../config';
import { ConfigError } from '../core/errors';
import type { RunLogLine } from '../core/schemas/run-log';
import type { StoredLine } from './run-log-line';

export interface RunLogPageRead {
  lines: RunLogLine[];
  /** Where the next read starts; the `after` given (or '') when nothing was read. */
  next: string;
}

export interface RunLogStore {
  readonly kind: 'file' | 'redis';
  /**
   * Appends lines to each run's log, up to the store's limit per run (then one line saying so);
   * a run's log expires `retentionMs` after its last line.
   */
  append(runs: Map<string, StoredLine[]>, retentionMs: number): Promise<void>;
  /** Up to `limit` lines after `after` that `keep` accepts, in the order they were written. */
  read(runId: string, options: { after?: string; limit: number; keep: (line: StoredLine) => boolean }): Promise<RunLogPageRead>;
  /** Removes logs older than `retentionMs` (a store whose entries expire by themselves does nothing). */
  sweep(retentionMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The store the configuration names, or undefined when run logs are off. */
export async function openRunLogStore(config: BatonConfig, logger?: Logger): Promise<RunLogStore | undefined> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when asked for: a process without run logs loads neither */
  if (config.BATON_RUN_LOGS === 'off') return undefined;
  if (config.BATON_RUN_LOGS === 'redis') {
    if (!config.BATON_REDIS_URL) throw new ConfigError([{ path: 'BATON_REDIS_URL', message: "is required when BATON_RUN_LOGS is 'redis'" }]);
    const { RedisRunLogStore } = require('./redis-run-log-store') as typeof import('./redis-run-log-store');
    return RedisRunLogStore.connect(config.BATON_REDIS_URL, { maxLines: config.BATON_RUN_LOG_MAX_LINES, logger });
  }
  const { FileRunLogStore } = require('./file-run-log-store') as typeof import('./file-run-log-store');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new FileRunLogStore(path.join(config.BATON_HOME, 'logs'), { maxLines: config.BATON_RUN_LOG_MAX_LINES });
}
