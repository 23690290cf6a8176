import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { RedisCacheStore } from '../src/activities/redis-cache-store';
import { eventually, FIXTURES, readLines, ROOT, tempDir, testTarget, uid } from './helpers';

const REDIS = process.env.BATON_TEST_REDIS_URL;

function worker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', FIXTURES, '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env, BATON_CACHE_STORE: 'redis', BATON_REDIS_URL: REDIS, BATON_CACHE_LOCK_LEASE_SECONDS: '2' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('the Redis cache store, shared by workers', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  test('Redis is running for these tests', () => {
    assert.ok(REDIS, 'npm test starts redis-server on loopback; install Debian\'s redis-server');
  });

  test('two workers computing the same key at the same moment run the task once', async () => {
    const [qa, qb] = [uid('qa'), uid('qb')];
    children.push(worker(qa), worker(qb));
    const client = await BatonClient.connect({ target: testTarget(), flows: [] });
    try {
      const probe = { dir: tempDir(), key: 'runs' };
      const id = uid('same-key');
      const start = (taskQueue: string) =>
        client.temporal.workflow.start('run-tasks', { taskQueue, workflowId: uid('shared'), args: [{ calls: [{ task: 'sharedSlow', args: [probe, id, 1_500] }] }] });
      const [a, b] = await Promise.all([start(qa), start(qb)]);
      const [ra, rb] = await Promise.all([a.result(), b.result()]);
      assert.deepEqual(ra, rb, 'both runs got the same result');
      const starts = readLines(probe.dir, probe.key).filter((l) => l.event === 'start');
      assert.equal(starts.length, 1, 'one execution');
      const states = [(await client.flowRuns.taskRuns(a.workflowId))[0]!.state, (await client.flowRuns.taskRuns(b.workflowId))[0]!.state].sort();
      assert.deepEqual(states, ['Cached', 'Completed']);
    } finally {
      await client.close();
    }
  });

  test('a holder killed mid-task: its lease lapses and another worker runs the task', async () => {
    const [qa, qb] = [uid('qa'), uid('qb')];
    const a = worker(qa);
    const b = worker(qb);
    children.push(a, b);
    const client = await BatonClient.connect({ target: testTarget(), flows: [] });
    try {
      const probe = { dir: tempDir(), key: 'runs' };
      const id = uid('lease');
      const call = { calls: [{ task: 'sharedSlow', args: [probe, id, 6_000] }] };
      const first = await client.temporal.workflow.start('run-tasks', { taskQueue: qa, workflowId: uid('holder'), args: [call] });
      await eventually(() => readLines(probe.dir, probe.key).some((l) => l.pid === a.pid) || undefined, 60_000);
      const second = await client.temporal.workflow.start('run-tasks', { taskQueue: qb, workflowId: uid('waiter'), args: [{ calls: [{ task: 'sharedSlow', args: [probe, id, 500] }] }] });
      await new Promise((r) => setTimeout(r, 1_000));
      assert.ok(!readLines(probe.dir, probe.key).some((l) => l.pid === b.pid), 'the second worker waits for the lock');
      a.kill('SIGKILL');
      const result = await second.result();
      assert.deepEqual(result, [`computed ${id} by ${b.pid}`]);
      const lines = readLines(probe.dir, probe.key);
      assert.deepEqual(lines.map((l) => [l.event, l.pid === a.pid ? 'killed' : 'other']), [
        ['start', 'killed'],
        ['start', 'other'],
        ['done', 'other'],
      ]);
      await first.terminate('test cleanup');
    } finally {
      await client.close();
    }
  });

  test('expiry and clearing in Redis', async () => {
    const store = await RedisCacheStore.connect(REDIS!, { prefix: `${uid('t')}:` });
    try {
      const key = 'cd'.repeat(32);
      await store.set({ key, taskName: 'x', createdAt: '', expiresAt: new Date(Date.now() + 300).toISOString(), value: 1 });
      assert.equal((await store.get(key))?.value, 1);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await store.get(key), undefined, 'expired');
      await store.set({ key, taskName: 'x', createdAt: '', expiresAt: null, value: 2 });
      assert.equal(await store.clear({ taskName: 'x' }), 1);
      assert.equal(await store.get(key), undefined);
    } finally {
      await store.close();
    }
  });
});
