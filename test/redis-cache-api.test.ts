import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BoundedCacheStore } from '../src/activities/bounded-cache-store';
import { RedisCacheStore } from '../src/activities/redis-cache-store';
import { startTestApi, type TestApi } from './api-helpers';
import { startWorker, type TestWorker } from './helpers';
import { startOwnRedis, type OwnRedis } from './redis-process';

// The API's Redis cache store stops answering (frozen with SIGSTOP): clearing the cache answers 503
// within the wait instead of hanging, and health says the cache store does not answer.
describe('the API while its Redis cache store does not answer', { timeout: 60_000 }, () => {
  let w: TestWorker;
  let redis: OwnRedis;
  let store: BoundedCacheStore;
  let api: TestApi;
  let fileApi: TestApi;
  before(async () => {
    w = await startWorker();
    redis = await startOwnRedis();
    store = new BoundedCacheStore(await RedisCacheStore.connect(redis.url), 1_000);
    api = await startTestApi(w.client, undefined, { cache: store });
    fileApi = await startTestApi(w.client);
  });
  after(async () => {
    redis?.thaw();
    await api?.close();
    await fileApi?.close();
    await store?.close().catch(() => undefined);
    redis?.stop();
    await w?.stop();
  });

  test('health names the cache store and whether it answers; clearing fails fast with 503 while it does not', async () => {
    const file = await fileApi.call('GET', '/api/health');
    assert.deepEqual([file.status, file.body.status, file.body.cache], [200, 'ok', { store: 'file', reachable: true }]);

    const up = await api.call('GET', '/api/health');
    assert.deepEqual([up.status, up.body.status, up.body.cache], [200, 'ok', { store: 'redis', reachable: true }]);
    assert.equal((await api.call('DELETE', '/api/cache')).status, 200);

    redis.freeze();
    let started = Date.now();
    const health = await api.call('GET', '/api/health');
    // Runs go on without the cache (a lookup is a miss), so the API still serves: 200, degraded.
    assert.deepEqual(
      [health.status, health.body.status, health.body.temporal.reachable, health.body.cache],
      [200, 'degraded', true, { store: 'redis', reachable: false }],
    );
    assert.ok(Date.now() - started < 5_000, `health answered after ${Date.now() - started} ms`);

    started = Date.now();
    const cleared = await api.call('DELETE', '/api/cache');
    assert.equal(cleared.status, 503, JSON.stringify(cleared.body));
    assert.equal(cleared.body.error.code, 'CACHE_UNAVAILABLE');
    assert.match(cleared.body.error.message, /redis store did not clear entries within 1 s/);
    assert.ok(Date.now() - started < 5_000, `DELETE /api/cache answered after ${Date.now() - started} ms`);

    redis.thaw();
    const back = await api.call('GET', '/api/health');
    assert.deepEqual([back.status, back.body.status, back.body.cache], [200, 'ok', { store: 'redis', reachable: true }]);
  });
});
