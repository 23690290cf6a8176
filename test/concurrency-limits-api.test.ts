/**
 * Concurrency limits through the API and `baton concurrency-limit`, as a user runs them: create,
 * ls, inspect (holders and waiters of a limit in use), update, delete; bad input refused with the
 * field named (400), an unknown limit 404, a name taken 409, and nothing changed by a refusal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConcurrencyLimits } from '../src/client/concurrency-limits';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, uid, type TestWorker } from './helpers';

function baton(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('concurrency limits: API and CLI', { timeout: 240_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  const made: string[] = [];
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'limits') });
    api = await startTestApi(w.client);
  });
  after(async () => {
    for (const name of made) await api?.call('DELETE', `/api/concurrency-limits/${encodeURIComponent(name)}`).catch(() => undefined);
    await api?.close();
    await w?.stop();
  });

  test('API: create, read with holders and waiters in order, list, update, delete', { timeout: 60_000 }, async () => {
    const name = uid('api-limit');
    made.push(name);
    const created = await api.call('POST', '/api/concurrency-limits', { name, slots: 1 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(
      { ...created.body, createdAt: 0, updatedAt: 0 },
      { name, slots: 1, slotDecayPerSecond: 0, active: true, occupied: 0, holders: [], waiters: [], granted: 0, live: true, createdAt: 0, updatedAt: 0 },
    );
    // Held long enough that the waiter is still queued through every read below, on a slow machine too.
    const holder = await w.client.flowRuns.start('limits-hold-flow', { limit: name, ms: 12_000 });
    await eventually(async () => ((await api.call('GET', `/api/concurrency-limits/${name}`)).body.holders.length === 1 ? true : undefined));
    const waiter = await w.client.flowRuns.start('limits-hold-flow', { limit: name, ms: 10 });
    const seen = await eventually(async () => {
      const res = await api.call('GET', `/api/concurrency-limits/${name}`);
      return res.body.waiters.length === 1 ? res.body : undefined;
    });
    assert.equal(seen.holders[0].party.flowRunId, holder.id);
    assert.equal(seen.holders[0].party.kind, 'flow');
    assert.equal(seen.waiters[0].party.flowRunId, waiter.id);
    assert.equal(seen.occupied, 1);
    // A list asks each limit with a short deadline and may show one that answers late from its memo (live: false).
    const listed = await eventually(async () => {
      const res = await api.call('GET', '/api/concurrency-limits');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.limits.find((l: { name: string; live: boolean }) => l.name === name && l.live);
    });
    assert.equal(listed.waiters.length, 1);
    // More slots: the waiter is let in at once, while the holder still holds.
    const updated = await api.call('PATCH', `/api/concurrency-limits/${name}`, { slots: 2 });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.slots, 2);
    await waiter.result();
    await holder.result();
    const deleted = await api.call('DELETE', `/api/concurrency-limits/${name}`);
    assert.equal(deleted.status, 204);
    assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).status, 404);
  });

  test('API: 400 naming the field, 404 for an unknown limit, 409 for a name taken; a refusal changes nothing', { timeout: 60_000 }, async () => {
    const name = uid('api-bad');
    made.push(name);
    const bad: [unknown, string][] = [
      [{ name, slots: 0 }, 'slots'],
      [{ name, slots: 1.5 }, 'slots'],
      [{ name }, 'slots'],
      [{ name: 'has space', slots: 1 }, 'name'],
      [{ name, slots: 1, slotDecayPerSecond: -1 }, 'slotDecayPerSecond'],
      [{ name, slots: 1, active: 'yes' }, 'active'],
      [{ name, slots: 1, colour: 'red' }, ''],
    ];
    for (const [body, field] of bad) {
      const res = await api.call('POST', '/api/concurrency-limits', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'VALIDATION');
      if (field)
        assert.ok(
          res.body.error.details.some((d: { path: string }) => d.path === field),
          `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`,
        );
    }
    assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).status, 404, 'no refused create made it');
    assert.equal((await api.call('POST', '/api/concurrency-limits', { name, slots: 2 })).status, 201);
    const taken = await api.call('POST', '/api/concurrency-limits', { name, slots: 5 });
    assert.equal(taken.status, 409);
    assert.match(taken.body.error.message, new RegExp(`a concurrency limit named '${name}' already exists`));
    for (const [patch, field] of [
      [{ slots: -1 }, 'slots'],
      [{ active: 1 }, 'active'],
      [{}, ''],
      [{ name: 'x' }, ''],
    ] as [unknown, string][]) {
      const res = await api.call('PATCH', `/api/concurrency-limits/${name}`, patch);
      assert.equal(res.status, 400, JSON.stringify(patch));
      if (field)
        assert.ok(
          res.body.error.details.some((d: { path: string }) => d.path === field),
          JSON.stringify(res.body),
        );
    }
    assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).body.slots, 2, 'refused changes changed nothing');
    const missing = uid('no-limit');
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { slots: 3 }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api.call(method, `/api/concurrency-limits/${missing}`, body);
      assert.equal(res.status, 404, method);
      assert.match(res.body.error.message, new RegExp(`no concurrency limit named '${missing}'`));
    }
    assert.equal((await api.call('GET', `/api/concurrency-limits/${encodeURIComponent('bad name')}`)).status, 400);
  });

  test(
    'a limit no worker runs: listed with its settings (live: false), read answers 503 naming its task queue, delete terminates it',
    { timeout: 60_000 },
    async () => {
      const queue = uid('no-worker');
      const lonely = new ConcurrencyLimits({
        temporal: w.client.temporal,
        workflowService: w.client.temporal.workflowService,
        namespace: w.client.namespace,
        defaultTaskQueue: queue,
      });
      const name = uid('lonely');
      made.push(name);
      await lonely.create({ name, slots: 7 });
      const shown = await eventually(async () => {
        const listed = await api.call('GET', '/api/concurrency-limits');
        assert.equal(listed.status, 200, JSON.stringify(listed.body));
        return listed.body.limits.find((l: { name: string }) => l.name === name);
      });
      assert.deepEqual([shown?.slots, shown?.live], [7, false]);
      const read = await api.call('GET', `/api/concurrency-limits/${name}`);
      assert.equal(read.status, 503);
      assert.equal(read.body.error.code, 'WORKER_UNAVAILABLE');
      assert.match(read.body.error.message, new RegExp(`task queue '${queue}'`));
      assert.equal((await api.call('DELETE', `/api/concurrency-limits/${name}`)).status, 204);
      assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).status, 404);
    },
  );

  test('CLI: create, ls, inspect, update, delete; bad flags name the flag and change nothing', { timeout: 90_000 }, async () => {
    const env = { BATON_API_URL: api.base };
    const name = uid('cli-limit');
    made.push(name);
    const created = await baton(['concurrency-limit', 'create', name, '--slots', '3', '--slot-decay-per-second', '0.5'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created concurrency limit ${name} \\(3 slots\\)`));
    const ls = await baton(['concurrency-limit', 'ls'], env);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`${name}\\s+3\\s+0\\s+0\\s+0.5/s\\s+yes`));
    const inspected = await baton(['concurrency-limit', 'inspect', name, '--json'], env);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal(JSON.parse(inspected.stdout).slotDecayPerSecond, 0.5);
    const updated = await baton(['concurrency-limit', 'update', name, '--slots', '5', '--active', 'false'], env);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /5 slots, 0.5\/s decay, inactive/);
    const text = await baton(['concurrency-limit', 'inspect', name], env);
    assert.match(text.stdout, new RegExp(`${name}: 0/5 slots occupied, 0.5 slots/s decay \\(inactive\\)`));

    for (const [args, message] of [
      [['concurrency-limit', 'create', uid('x')], /needs --slots/],
      [['concurrency-limit', 'create', uid('x'), '--slots', '0'], /--slots must be a whole number ≥ 1, got '0'/],
      [['concurrency-limit', 'create', 'bad name', '--slots', '1'], /<name> must be 1-100 letters/],
      [
        ['concurrency-limit', 'create', uid('x'), '--slots', '1', '--slot-decay-per-second', 'fast'],
        /--slot-decay-per-second must be a number from 0 to 1000, got 'fast'/,
      ],
      [['concurrency-limit', 'update', name], /needs --slots, --slot-decay-per-second or --active/],
      [['concurrency-limit', 'update', name, '--active', 'maybe'], /--active must be true or false, got 'maybe'/],
      [['concurrency-limit', 'frobnicate'], /unknown concurrency-limit command 'frobnicate'/],
    ] as [string[], RegExp][]) {
      const res = await baton(args, env);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
    const dup = await baton(['concurrency-limit', 'create', name, '--slots', '1'], env);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /already exists/);
    const missing = await baton(['concurrency-limit', 'inspect', uid('nope')], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no concurrency limit named/);
    assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).body.slots, 5, 'refused commands changed nothing');

    const deleted = await baton(['concurrency-limit', 'delete', name], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).status, 404);
  });
});
