import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CreateDeployment } from '../src/core/schemas';
import { NotFoundError, ParameterValidationError, ValidationError } from '../src/core/errors';
import { scheduleIdOf } from '../src/client/deployment-schedule';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';

describe('deployments over HTTP', () => {
  let w: TestWorker;
  let api: TestApi;
  const created: string[] = [];
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client);
  });
  after(async () => {
    for (const name of created) await api.call('DELETE', `/api/deployments/${name}`);
    await api.close();
    await w.stop();
  });

  const deploy = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', '/api/deployments', { taskQueue: w.taskQueue, ...body });
    if (res.status < 300) created.push(body.name as string);
    return res;
  };

  test('a 2-second interval deployment starts runs that complete and carry the deployment', async () => {
    const name = uid('every2s');
    const res = await deploy({ name, flow: 'hello', parameters: { name: 'sched' }, schedules: [{ intervalSeconds: 2 }], tags: ['nightly'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.name, name);
    assert.equal(res.body.paused, false);
    assert.ok(res.body.nextRunTimes.length > 0);
    const runs = await eventually(async () => {
      const list = await api.call('GET', `/api/flow-runs?deployment=${name}&state=Completed`);
      return list.body.flowRuns.length >= 2 ? list.body.flowRuns : undefined;
    }, 30_000);
    for (const run of runs.slice(0, 2)) {
      assert.equal(run.deployment, name);
      assert.equal(run.flowName, 'hello');
      assert.equal(run.runName, 'hello-sched');
      assert.deepEqual(run.tags, ['nightly']);
      const detail = await api.call('GET', `/api/flow-runs/${run.id}`);
      assert.equal(detail.body.result, 'hello sched.');
      assert.equal(detail.body.deployment, name);
      const described = await w.client.temporal.workflow.getHandle(run.id).describe();
      assert.deepEqual(described.searchAttributes.BatonDeployment, [name]);
    }
    const pause = await api.call('POST', `/api/deployments/${name}/pause`);
    assert.equal(pause.body.paused, true);
  });

  test('a cron deployment in a non-UTC timezone reports next run times right for that zone', async () => {
    const name = uid('cron-tz');
    const res = await deploy({ name, flow: 'hello', parameters: { name: 'tz' }, schedules: [{ cron: '30 9 * * *', timezone: 'America/New_York' }] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const next: string[] = res.body.nextRunTimes;
    assert.ok(next.length >= 2);
    for (const iso of next) {
      const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
      assert.equal(local, '09:30', `${iso} is ${local} in New York`);
    }
    // 09:30 in New York is 14:30 UTC in winter (EST, UTC-5).
    assert.ok(
      next.some((iso) => iso.endsWith('T14:30:00.000Z')),
      next.join(', '),
    );
    assert.deepEqual(res.body.schedules, [{ cron: '30 9 * * *', timezone: 'America/New_York' }]);
  });

  test('run with parameters: defaults merged, result and task runs visible; bad parameter → 400, nothing started', async () => {
    const name = uid('manual');
    await deploy({ name, flow: 'hello', parameters: { excited: true } });
    const got = await api.call('GET', `/api/deployments/${name}`);
    assert.equal(got.body.paused, true, 'no schedule: a paused schedule with no spec');
    assert.deepEqual(got.body.nextRunTimes, []);

    const run = await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { name: 'Ada' }, tags: ['adhoc'] });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    assert.equal(run.body.runName, 'hello-Ada');
    const detail = await eventually(async () => {
      const d = await api.call('GET', `/api/flow-runs/${run.body.id}`);
      return d.body.state === 'Completed' ? d.body : undefined;
    });
    assert.equal(detail.result, 'hello Ada!');
    assert.deepEqual(detail.parameters, { excited: true, name: 'Ada' });
    assert.equal(detail.deployment, name);
    const tasks = await api.call('GET', `/api/flow-runs/${run.body.id}/task-runs`);
    assert.deepEqual(
      tasks.body.taskRuns.map((t: { runName: string; state: string }) => [t.runName, t.state]),
      [['greet-Ada', 'Completed']],
    );

    // Counted once the run above is listed (visibility follows a run's own record by a moment).
    const before = await eventually(async () => {
      const listed = (await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns as { id: string }[];
      return listed.some((r) => r.id === run.body.id) ? listed.length : undefined;
    });
    const bad = await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { name: 42 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'PARAMETER_VALIDATION');
    assert.deepEqual(
      bad.body.error.details.map((d: { path: string }) => d.path),
      ['name'],
    );
    const missing = await api.call('POST', `/api/deployments/${name}/runs`, {});
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /name: /);
    // A run started after the refusals is listed once it exists; had a refused request started a run,
    // it would be listed by then too.
    const fence = await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { name: 'fence' } });
    assert.equal(fence.status, 201);
    await eventually(async () =>
      (await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.some((r: { id: string }) => r.id === fence.body.id) ? true : undefined,
    );
    assert.equal((await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.length, before + 1, 'no refused request started a run');
  });

  test('the same idempotency key, twice and concurrently, gives one run', async () => {
    const name = uid('idem');
    await deploy({ name, flow: 'hello', parameters: { name: 'once' } });
    const key = uid('key');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => api.call('POST', `/api/deployments/${name}/runs`, { idempotencyKey: key })));
    const ids = new Set([a, b, c].map((r) => r.body.id));
    assert.equal(ids.size, 1);
    assert.deepEqual([a, b, c].map((r) => r.status).sort(), [200, 200, 201]);
    await w.client.flowRuns.result([...ids][0]!);
    const again = await api.call('POST', `/api/deployments/${name}/runs`, { idempotencyKey: key });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, [...ids][0]);
    assert.equal(again.body.created, false);
    await eventually(async () => ((await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.length === 1 ? true : undefined));
  });

  test('pause stops scheduled runs, resume restarts them; backfill creates the runs the spec gives; delete removes it', async () => {
    const name = uid('lifecycle');
    await deploy({ name, flow: 'hello', parameters: { name: 'life' }, schedules: [{ intervalSeconds: 1 }], paused: true });
    const paused = await api.call('GET', `/api/deployments/${name}`);
    assert.equal(paused.body.paused, true);
    // Wait until two of its times have come, then read the schedule's own record of what it did.
    const schedule = w.client.temporal.schedule.getHandle(scheduleIdOf(name));
    const due = (await schedule.describe()).info.nextActionTimes.slice(0, 2);
    assert.equal(due.length, 2, 'a paused schedule still knows its next times');
    await eventually(() => (Date.now() > due[1]!.getTime() + 200 ? true : undefined), 10_000);
    const record = await schedule.describe();
    assert.equal(record.info.numActionsTaken, 0, 'paused: the schedule took no action');
    assert.deepEqual(record.info.recentActions, []);
    assert.equal((await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.length, 0, 'paused: no runs');

    const resumed = await api.call('POST', `/api/deployments/${name}/resume`);
    assert.equal(resumed.body.paused, false);
    await eventually(async () => ((await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.length >= 1 ? true : undefined));
    await api.call('POST', `/api/deployments/${name}/pause`);

    // Backfill a past hour on a 15-minute grid: the spec gives 4 runs.
    const hourly = uid('backfill');
    await deploy({ name: hourly, flow: 'hello', parameters: { name: 'bf' }, schedules: [{ intervalSeconds: 900 }], paused: true });
    const start = new Date(Date.UTC(2026, 0, 5, 10, 0, 0)).toISOString();
    const end = new Date(Date.UTC(2026, 0, 5, 10, 59, 0)).toISOString();
    const bf = await api.call('POST', `/api/deployments/${hourly}/backfill`, { start, end });
    assert.equal(bf.status, 202, JSON.stringify(bf.body));
    const runs = await eventually(async () => {
      const list = (await api.call('GET', `/api/flow-runs?deployment=${hourly}`)).body.flowRuns;
      return list.length >= 4 ? list : undefined;
    });
    assert.equal(runs.length, 4);
    const badWindow = await api.call('POST', `/api/deployments/${hourly}/backfill`, { start: end, end: start });
    assert.equal(badWindow.status, 400);
    assert.deepEqual(
      badWindow.body.error.details.map((d: { path: string }) => d.path),
      ['end'],
    );

    const del = await api.call('DELETE', `/api/deployments/${name}`);
    assert.equal(del.status, 204);
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404);
    await assert.rejects(w.client.temporal.schedule.getHandle(`deployment-${name}`).describe());
  });

  test('create is idempotent by name, PATCH changes settings, and listing filters by flow and tag', async () => {
    const name = uid('update');
    const first = await deploy({ name, flow: 'hello', parameters: { name: 'v1' }, tags: ['team-a'] });
    assert.equal(first.status, 201);
    const second = await deploy({ name, flow: 'hello', parameters: { name: 'v2' }, tags: ['team-a'], description: 'second' });
    assert.equal(second.status, 200);
    assert.equal(second.body.description, 'second');
    assert.equal(second.body.createdAt, first.body.createdAt);
    const patched = await api.call('PATCH', `/api/deployments/${name}`, { schedules: [{ cron: '0 6 * * MON' }], version: '7' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.version, '7');
    assert.equal(patched.body.paused, false);
    assert.deepEqual(patched.body.parameters, { name: 'v2' });
    const listed = await eventually(async () => {
      const l = await api.call('GET', `/api/deployments?tag=team-a&flow=hello`);
      return l.body.deployments.some((d: { name: string }) => d.name === name) ? l.body : undefined;
    });
    assert.ok(listed.deployments.every((d: { tags: string[] }) => d.tags.includes('team-a')));
    const none = await api.call('GET', `/api/deployments?tag=${uid('no-such-tag')}`);
    assert.deepEqual(none.body.deployments, []);
  });

  test('cancel and retry a flow run', async () => {
    const name = uid('cancel');
    await deploy({ name, flow: 'sleepy-flow' });
    const run = await api.call('POST', `/api/deployments/${name}/runs`, {});
    const cancel = await api.call('POST', `/api/flow-runs/${run.body.id}/cancel`);
    assert.equal(cancel.status, 202);
    await eventually(async () => ((await api.call('GET', `/api/flow-runs/${run.body.id}`)).body.state === 'Cancelled' ? true : undefined));
    const again = await api.call('POST', `/api/flow-runs/${run.body.id}/cancel`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /already ended/);

    const helloDeployment = uid('retry');
    await deploy({ name: helloDeployment, flow: 'hello', parameters: { name: 'again' } });
    const firstRun = await api.call('POST', `/api/deployments/${helloDeployment}/runs`, {});
    await w.client.flowRuns.result(firstRun.body.id);
    const retry = await api.call('POST', `/api/flow-runs/${firstRun.body.id}/retry`);
    assert.equal(retry.status, 201);
    assert.notEqual(retry.body.id, firstRun.body.id);
    await w.client.flowRuns.result(retry.body.id);
    const detail = await api.call('GET', `/api/flow-runs/${retry.body.id}`);
    assert.equal(detail.body.retryOf, firstRun.body.id);
    // A retry runs with the parameters the first run received (defaults included, when the edge filled them in).
    const original = await api.call('GET', `/api/flow-runs/${firstRun.body.id}`);
    assert.equal(original.body.parameters.name, 'again');
    assert.deepEqual(detail.body.parameters, original.body.parameters);
    assert.equal(detail.body.deployment, helloDeployment);
  });

  test('scheduledTime starts a run later (Scheduled until then); listing filters by flow, tag and time, page by page', async () => {
    const name = uid('later');
    await deploy({ name, flow: 'hello', parameters: { name: 'later' }, tags: ['later'] });
    const since = new Date(Date.now() - 1_000).toISOString();
    const at = new Date(Date.now() + 5_000).toISOString();
    const run = await api.call('POST', `/api/deployments/${name}/runs`, { scheduledTime: at });
    assert.equal(run.status, 201);
    assert.equal((await api.call('GET', `/api/flow-runs/${run.body.id}`)).body.state, 'Scheduled');
    const done = await eventually(async () => {
      const d = await api.call('GET', `/api/flow-runs/${run.body.id}`);
      return d.body.state === 'Completed' ? d.body : undefined;
    }, 20_000);
    assert.ok(Date.parse(done.taskRuns[0].startTime) >= Date.parse(at) - 50, 'the task ran no earlier than asked');

    const next = await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { name: 'second' } });
    // Both ended before paging: a run that ends between two pages moves in visibility's order.
    await w.client.flowRuns.result(next.body.id);
    const all = await eventually(async () => {
      const l = await api.call('GET', `/api/flow-runs?flow=hello&tag=later&state=Completed&since=${encodeURIComponent(since)}`);
      return l.body.flowRuns.length === 2 ? l.body.flowRuns : undefined;
    });
    assert.ok(Date.parse(all[0].startTime) >= Date.parse(all[1].startTime), 'newest first');
    const first = await api.call('GET', `/api/flow-runs?tag=later&pageSize=1`);
    assert.equal(first.body.flowRuns.length, 1);
    assert.ok(first.body.nextPageToken);
    const second = await api.call('GET', `/api/flow-runs?tag=later&pageSize=1&pageToken=${first.body.nextPageToken}`);
    assert.equal(second.body.flowRuns.length, 1);
    assert.notEqual(second.body.flowRuns[0].id, first.body.flowRuns[0].id);
    const future = await api.call('GET', `/api/flow-runs?tag=later&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    assert.deepEqual(future.body.flowRuns, []);
  });
});

describe('deployment checks: the same from code, the API and the CLI', () => {
  let w: TestWorker;
  let api: TestApi;
  const LIMIT = { timeout: 60_000 };
  const cleanup: string[] = [];
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client);
  });
  after(async () => {
    for (const name of cleanup) await w.client.deployments.delete(name).catch(() => undefined);
    await api?.close();
    await w?.stop();
  });

  /** Nothing by that name exists: neither the deployment nor its Temporal schedule. */
  const assertAbsent = async (name: string) => {
    await assert.rejects(w.client.deployments.get(name), NotFoundError, `deployment ${name} exists`);
    await assert.rejects(w.client.temporal.schedule.getHandle(`deployment-${name}`).describe(), `schedule of ${name} exists`);
  };

  /** Runs `apply` and returns the ValidationError it throws, checking the fields it names. */
  const refused = async (input: unknown, paths: string[]): Promise<ValidationError> => {
    let error: unknown;
    try {
      await w.client.deployments.apply(input as CreateDeployment);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ValidationError, `${JSON.stringify(input)} gave ${String(error)}`);
    assert.deepEqual(error.issues.map((i) => i.path).sort(), [...paths].sort(), error.message);
    return error;
  };

  test('apply() from code refuses what the API refuses, naming each field, and creates nothing', LIMIT, async () => {
    const base = { flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'x' } };
    const cases: [Record<string, unknown>, string[]][] = [
      [{ ...base, name: 'has space' }, ['name']],
      [{ ...base, name: uid('cron'), schedules: [{ cron: '0 25 * * *' }] }, ['schedules.0.cron']],
      [{ ...base, name: uid('tz'), schedules: [{ cron: '0 9 * * *', timezone: 'Mars/Olympus' }] }, ['schedules.0.timezone']],
      [{ ...base, name: uid('iv'), schedules: [{ intervalSeconds: 0 }] }, ['schedules.0.intervalSeconds']],
      [{ ...base, name: uid('overlap'), overlap: 'sometimes' }, ['overlap']],
      [{ ...base, name: uid('extra'), colour: 'red' }, ['']],
      [{ ...base, name: uid('nof'), flow: 'no-such-flow' }, ['flow']],
      [{ ...base, name: uid('window'), startAt: '2030-01-02T00:00:00Z', endAt: '2030-01-01T00:00:00Z' }, ['endAt']],
      [{ ...base, name: uid('both'), flow: 'no-such-flow', schedules: [{ cron: 'nope' }] }, ['flow', 'schedules.0.cron']],
    ];
    for (const [input, paths] of cases) {
      await refused(input, paths);
      await assertAbsent(input.name as string);
    }
    const flowError = await refused(cases[6]![0], ['flow']);
    assert.match(flowError.message, /no flow named 'no-such-flow' is registered \(known: .*hello/);
  });

  test("apply() checks parameters against the flow's schema: complete when scheduled, given fields otherwise", LIMIT, async () => {
    const name = uid('params');
    const wrongType = await refused({ name, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 42 } }, ['parameters.name']);
    assert.ok(wrongType instanceof ParameterValidationError);
    assert.equal(wrongType.code, 'PARAMETER_VALIDATION');
    // A scheduled run gets only the deployment's parameters, so they must be complete.
    await refused({ name, flow: 'hello', taskQueue: w.taskQueue, parameters: {}, schedules: [{ intervalSeconds: 3600 }] }, ['parameters.name']);
    await assertAbsent(name);
    // Without a schedule each run brings its own: an incomplete set is fine.
    cleanup.push(name);
    const { deployment, created } = await w.client.deployments.apply({ name, flow: 'hello', taskQueue: w.taskQueue, parameters: { excited: true } });
    assert.equal(created, true);
    assert.deepEqual(deployment.parameters, { excited: true });
  });

  test('applyAll() checks every entry before creating any and names each bad one', LIMIT, async () => {
    const good = uid('all-good');
    const other = uid('all-other');
    const entries: CreateDeployment[] = [
      { name: good, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'a' } },
      { name: uid('all-nof'), flow: 'no-such-flow', taskQueue: w.taskQueue },
      { name: uid('all-param'), flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 42 } as never },
      { name: good, flow: 'hello', taskQueue: w.taskQueue },
      { name: uid('all-cron'), flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'c' }, schedules: [{ cron: '61 * * * *' }] },
    ];
    await assert.rejects(w.client.deployments.applyAll(entries), (err: unknown) => {
      assert.ok(err instanceof ValidationError, String(err));
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['deployments[1].flow', 'deployments[2].parameters.name', 'deployments[3].name', 'deployments[4].schedules.0.cron'],
      );
      for (const e of entries.slice(1)) assert.ok(err.message.includes(`'${e.name}'`), `${err.message} does not name ${e.name}`);
      return true;
    });
    for (const e of entries) await assertAbsent(e.name);

    cleanup.push(good, other);
    const applied = await w.client.deployments.applyAll([entries[0]!, { name: other, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'b' } }]);
    assert.deepEqual(
      applied.map((a) => [a.deployment.name, a.created]),
      [
        [good, true],
        [other, true],
      ],
    );
  });

  test('the API answers a dry run with what it would apply, changing nothing; its checks are apply()s', LIMIT, async () => {
    const name = uid('dry');
    const dry = await api.call('POST', '/api/deployments?dryRun=true', { name, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'd' }, tags: ['dry'] });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.name, name);
    assert.deepEqual(dry.body.tags, ['dry']);
    assert.equal(dry.body.paused, true, 'no schedule: paused');
    await assertAbsent(name);
    const bad = await api.call('POST', '/api/deployments?dryRun=true', { name, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 42 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.details.map((d: { path: string }) => d.path),
      ['parameters.name'],
    );
    const real = await api.call('POST', '/api/deployments', { name, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 42 } });
    assert.equal(real.status, 400);
    assert.equal(real.body.error.message, bad.body.error.message);
    await assertAbsent(name);
  });

  test('baton deploy with a file checks every entry (flow, parameters, schedules) before applying any', LIMIT, async () => {
    const dir = tempDir();
    const good = uid('cli-good');
    const file = path.join(dir, 'baton.yaml');
    const entries = [
      { name: good, flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'g' } },
      { name: uid('cli-nof'), flow: 'no-such-flow', taskQueue: w.taskQueue },
      { name: uid('cli-param'), flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 42 } },
      { name: uid('cli-cron'), flow: 'hello', taskQueue: w.taskQueue, parameters: { name: 'c' }, schedules: [{ cron: '0 25 * * *' }] },
    ];
    fs.writeFileSync(file, JSON.stringify({ deployments: entries }));
    const res = await batonCli(['deploy', '--file', file], { BATON_API_URL: api.base });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stderr, /deployments\[1\]\.flow: no flow named 'no-such-flow'/);
    assert.match(res.stderr, /deployments\[2\]\.parameters\.name: /);
    assert.match(res.stderr, /deployments\[3\]\.schedules\.0\.cron: hour 25 is outside 0-23/);
    for (const e of entries.slice(1)) assert.ok(res.stderr.includes(`'${e.name}'`), `${res.stderr} does not name ${e.name}`);
    for (const e of entries) await assertAbsent(e.name);

    cleanup.push(good);
    fs.writeFileSync(file, JSON.stringify({ deployments: [entries[0]] }));
    const ok = await batonCli(['deploy', '--file', file, '--json'], { BATON_API_URL: api.base });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await w.client.deployments.get(good)).parameters.name, 'g');
  });
});

function batonCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill(), 45_000);
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
