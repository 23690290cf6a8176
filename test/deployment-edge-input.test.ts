import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './api-helpers';
import { startWorker, uid, type TestWorker } from './helpers';

// Inputs a fuzzer found to answer 500: each is now a 4xx naming the field, or a success.
describe('deployments: edge input the fuzzer found', { timeout: 60_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  const names: string[] = [];
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client);
  });
  after(async () => {
    for (const name of names) await w.client.deployments.delete(name).catch(() => undefined);
    await api?.close();
    await w?.stop();
  });

  test('PATCH with an empty body: 404 for an unknown deployment, 200 (nothing changed) for a known one', async () => {
    const missing = await api.call('PATCH', `/api/deployments/${uid('nope')}`, {});
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    const name = uid('patch-empty');
    names.push(name);
    assert.equal((await api.call('POST', '/api/deployments', { name, flow: 'hello', parameters: { name: 'x' }, paused: true })).status, 201);
    const same = await api.call('PATCH', `/api/deployments/${name}`, {});
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.name, name);
  });

  test('schedule offsets and intervals beyond what a schedule can hold are 400s naming the field, and nothing is created', async () => {
    const name = uid('huge');
    const offset = await api.call('POST', '/api/deployments', {
      name,
      flow: 'pause-flow',
      paused: true,
      schedules: [{ intervalSeconds: 2.00001, offsetSeconds: 1.1403767942911275e62 }, { intervalSeconds: 16558664.770731725 }],
    });
    assert.equal(offset.status, 400, JSON.stringify(offset.body));
    assert.match(JSON.stringify(offset.body.error.details), /schedules\.0\.offsetSeconds/);
    const huge = await api.call('POST', '/api/deployments', { name, flow: 'pause-flow', paused: true, schedules: [{ intervalSeconds: 1e40 }] });
    assert.equal(huge.status, 400, JSON.stringify(huge.body));
    assert.match(JSON.stringify(huge.body.error.details), /schedules\.0\.intervalSeconds/);
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404, 'nothing was created');
    // A start long past is a start like any other: the schedule holds it.
    names.push(name);
    const early = await api.call('POST', '/api/deployments', {
      name,
      flow: 'pause-flow',
      paused: true,
      startAt: '0785-10-25T23:25:06+03:54',
      schedules: [{ intervalSeconds: 60 }],
    });
    assert.equal(early.status, 201, JSON.stringify(early.body));
    assert.equal((await api.call('PATCH', `/api/deployments/${name}`, {})).status, 200);
  });

  test('an offset not shorter than its interval, and timezones Temporal does not know, are 400s naming the field; nothing is created', async () => {
    const name = uid('phase');
    const offset = await api.call('POST', '/api/deployments', {
      name,
      flow: 'hello',
      parameters: { name: 'x' },
      paused: true,
      schedules: [{ intervalSeconds: 5, offsetSeconds: 5 }],
    });
    assert.equal(offset.status, 400, JSON.stringify(offset.body));
    assert.match(JSON.stringify(offset.body.error.details), /schedules\.0\.offsetSeconds.*must be less than intervalSeconds/);
    // Intl reads any case; Temporal's zone database does not.
    const lower = await api.call('POST', '/api/deployments', {
      name,
      flow: 'hello',
      parameters: { name: 'x' },
      paused: true,
      schedules: [{ cron: '0 9 * * *', timezone: 'europe/paris' }],
    });
    assert.equal(lower.status, 400, JSON.stringify(lower.body));
    assert.match(JSON.stringify(lower.body.error.details), /schedules\.0\.timezone/);
    // A zone Node's ICU still has and the server's zone database dropped: Temporal's own refusal, as a 400.
    const dropped = await api.call('POST', '/api/deployments', {
      name,
      flow: 'hello',
      parameters: { name: 'x' },
      paused: true,
      schedules: [{ cron: '0 9 * * *', timezone: 'US/Pacific-New' }],
    });
    assert.equal(dropped.status, 400, JSON.stringify(dropped.body));
    assert.equal(dropped.body.error.code, 'VALIDATION');
    assert.match(dropped.body.error.message, /Temporal refused the schedule: unknown time zone US\/Pacific-New/);
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404, 'nothing was created');
    // The same refusal when an update brings the zone in.
    names.push(name);
    assert.equal((await api.call('POST', '/api/deployments', { name, flow: 'hello', parameters: { name: 'x' }, paused: true })).status, 201);
    const patched = await api.call('PATCH', `/api/deployments/${name}`, { schedules: [{ cron: '0 9 * * *', timezone: 'US/Pacific-New' }] });
    assert.equal(patched.status, 400, JSON.stringify(patched.body));
    assert.deepEqual((await api.call('GET', `/api/deployments/${name}`)).body.schedules, [], 'the deployment is unchanged');
  });
});
