/**
 * Run logs in Redis, one stream per run (`baton:logs:<flow run id>`): the shared store, for
 * workers and APIs on several machines. Appends go through one script per run, so the limit per
 * run holds across every writer; a line's cursor is its stream entry id.
 */
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { connectRedis } from '../activities/redis-connect';
import { limitLine, type StoredLine } from './run-log-line';
import type { RunLogPageRead, RunLogStore } from './run-log-store';

/** KEYS[1] the run's stream; ARGV: max lines, expiry in ms, the limit line, then the lines. */
const APPEND = `
local n = redis.call('XLEN', KEYS[1])
local max = tonumber(ARGV[1])
for i = 4, #ARGV do
  if n < max then
    redis.call('XADD', KEYS[1], '*', 'l', ARGV[i])
  elseif n == max then
    redis.call('XADD', KEYS[1], '*', 'l', ARGV[3])
  end
  n = n + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n`;

/** Entries read per step while scanning a log. */
const STEP = 500;

export class RedisRunLogStore implements RunLogStore {
  readonly kind = 'redis';

  private constructor(
    private readonly redis: RedisClientType,
    private readonly options: { maxLines: number; prefix: string },
  ) {}

  static async connect(url: string, options: { maxLines: number; prefix?: string; logger?: Logger }): Promise<RedisRunLogStore> {
    return new RedisRunLogStore(await connectRedis(url, options), { maxLines: options.maxLines, prefix: options.prefix ?? 'baton:logs:' });
  }

  keyOf(runId: string): string {
    return `${this.options.prefix}${runId}`;
  }

  async append(runs: Map<string, StoredLine[]>, retentionMs: number): Promise<void> {
    const limit = JSON.stringify(limitLine(this.options.maxLines));
    await Promise.all(
      [...runs].map(([runId, lines]) =>
        this.redis.eval(APPEND, {
          keys: [this.keyOf(runId)],
          arguments: [String(this.options.maxLines), String(Math.max(1, Math.round(retentionMs))), limit, ...lines.map((l) => JSON.stringify(l))],
        }),
      ),
    );
  }

  async read(runId: string, options: { after?: string; limit: number; keep: (line: StoredLine) => boolean }): Promise<RunLogPageRead> {
    const lines: RunLogPageRead['lines'] = [];
    let next = options.after ?? '';
    for (;;) {
      const entries = await this.redis.xRange(this.keyOf(runId), next ? `(${next}` : '-', '+', { COUNT: STEP });
      for (const entry of entries) {
        next = entry.id;
        let line: StoredLine | undefined;
        try {
          line = JSON.parse(entry.message.l ?? '') as StoredLine;
        } catch {
          continue;
        }
        if (options.keep(line)) lines.push({ cursor: entry.id, ...line });
        if (lines.length >= options.limit) return { lines, next };
      }
      if (entries.length < STEP) return { lines, next };
    }
  }

  /** Each run's stream expires by itself (PEXPIRE on every append). */
  async sweep(): Promise<void> {}

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
