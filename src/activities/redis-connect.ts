/**
 * One Redis connection as Baton's Redis stores open it (the result cache, run logs): the first
 * connection gives up after a few tries, so a process pointed at a missing Redis fails at start
 * with the reason; once connected it reconnects for as long as it takes.
 */
import type { Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { ConfigError } from '../core/errors';

/** A Redis URL fit for a message: no user name or password. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}

export async function connectRedis(url: string, options: { logger?: Logger; connectAttempts?: number } = {}): Promise<RedisClientType> {
  const attempts = options.connectAttempts ?? 5;
  let connected = false;
  const redis = createClient({
    url,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(100 * 2 ** retries, 5_000) : retries >= attempts ? cause : 200 * (retries + 1)),
    },
  }) as RedisClientType;
  redis.on('error', (err: Error) => {
    if (connected) options.logger?.warn({ err }, 'redis connection error');
  });
  try {
    await redis.connect();
  } catch (err) {
    try {
      redis.destroy();
    } catch {
      // already closed by the give-up above
    }
    throw new ConfigError([{ path: 'BATON_REDIS_URL', message: `cannot reach Redis at ${withoutCredentials(url)}: ${(err as Error).message}` }]);
  }
  connected = true;
  return redis;
}
