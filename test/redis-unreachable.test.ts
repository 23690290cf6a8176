import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../src';
import { RedisCacheStore } from '../src/activities/redis-cache-store';
import { freePort } from '../src/server/temporal-server';

test('a worker pointed at a Redis that is not there fails at start with the reason, and no password', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(RedisCacheStore.connect(`redis://user:s3cret-pass@127.0.0.1:${port}`), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues[0]?.path, 'BATON_REDIS_URL');
    assert.match(err.message, /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
  assert.ok(Date.now() - started < 15_000, `gave up after ${Date.now() - started} ms`);
});
