/**
 * One task call through its cache: a stored result is returned without running the task; on a
 * shared store (Redis) the key's lock is held while computing, so concurrent calls with the same
 * key compute once and the others wait for the result. The result says whether it was a hit.
 */
import { CancelledFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { CachedResult } from '../core/cache-policy';
import type { CacheLock, CacheStore } from './cache-store';

export interface CachedCall {
  key: string;
  taskName: string;
  store: CacheStore;
  /** Run the task even on a hit, and store its new result. */
  refresh: boolean;
  /** Seconds a stored result stays valid; undefined keeps it until cleared. */
  expirationSeconds: number | undefined;
  lockLeaseMs: number;
  logger: () => Logger;
  cancelled: AbortSignal;
}

const hit = (key: string, value: unknown): CachedResult => ({ batonCache: 'hit', key, value });

/** Runs `compute` unless the cache has the result; stores what it computed. */
export async function callThroughCache(call: CachedCall, compute: () => Promise<unknown>): Promise<CachedResult> {
  const { key, store } = call;
  if (!call.refresh) {
    const found = await store.get(key);
    if (found) {
      call.logger().info({ cacheKey: key }, 'cache hit: returning the stored result');
      return hit(key, found.value);
    }
  }
  let lock: CacheLock | undefined;
  if (store.acquire) {
    for (;;) {
      lock = await store.acquire(key, call.lockLeaseMs);
      if (!call.refresh) {
        const found = await store.get(key);
        if (found) {
          await lock?.release();
          call.logger().info({ cacheKey: key }, 'cache hit after waiting for another worker');
          return hit(key, found.value);
        }
      }
      if (lock) break;
      if (call.cancelled.aborted) throw new CancelledFailure(`task ${call.taskName} was cancelled`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const renewal = lock ? setInterval(() => void lock!.renew().catch(() => undefined), Math.max(100, call.lockLeaseMs / 3)) : undefined;
  try {
    const value = await compute();
    const now = Date.now();
    await store.set({
      key,
      taskName: call.taskName,
      createdAt: new Date(now).toISOString(),
      expiresAt: call.expirationSeconds === undefined ? null : new Date(now + call.expirationSeconds * 1000).toISOString(),
      value: value === undefined ? null : value,
    });
    return { batonCache: call.refresh ? 'refresh' : 'miss', key, value };
  } finally {
    if (renewal) clearInterval(renewal);
    await lock?.release().catch(() => undefined);
  }
}
