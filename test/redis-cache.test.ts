/**
 * The Redis cache store shared by workers, against a real redis-server on loopback (`npm test`
 * installs Debian's redis-server when missing and starts one). Without Redis every test here fails
 * at once with the reason; a worker that exits fails the test waiting on it instead of hanging it.
 */
import { dataConverter, loadConfig } from '../src/config';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { BatonClient } from '../src/client/client';
import { RedisCacheStore } from '../src/activities/redis-cache-store';
import { eventually, FIXTURES, readLines, ROOT, tempDir, testTarget, uid } from './helpers';

const REDIS = process.env.BATON_TEST_REDIS_URL;

interface TestWorkerProcess {
  child: ChildProcess;
  /** Rejects when the worker exits before it is told to stop. */
  exited: Promise<never>;
}

function worker(taskQueue: string): TestWorkerProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', FIXTURES, '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env, BATON_CACHE_STORE: 'redis', BATON_REDIS_URL: REDIS, BATON_CACHE_LOCK_LEASE_SECONDS: '2' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => {
    stderr += String(c);
    process.stderr.write(c);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`worker on ${taskQueue} exited (${signal ?? `code ${code}`}) before the run ended: ${stderr.trim().slice(-500)}`)),
    ),
  );
  exited.catch(() => undefined);
  return { child, exited };
}

/** A run's result, or the reason a worker it needs went away. */
function resultWhileUp<T>(handle: WorkflowHandle, ...workers: TestWorkerProcess[]): Promise<T> {
  return Promise.race([handle.result() as Promise<T>, ...workers.map((w) => w.exited)]);
}

describe('the Redis cache store, shared by workers', () => {
  const workers: TestWorkerProcess[] = [];
  const start = (taskQueue: string) => {
    const w = worker(taskQueue);
    workers.push(w);
    return w;
  };
  before(async () => {
    assert.ok(REDIS, "no Redis: run these tests with `npm test`, which installs Debian's redis-server when missing and starts it on loopback");
    // The Redis client retries a refused connection forever: check the server answers first.
    const { hostname, port } = new URL(REDIS);
    const answers = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: hostname, port: Number(port || 6379), timeout: 5_000 }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    assert.ok(answers, `Redis at ${REDIS} does not accept connections`);
  });
  after(() => {
    for (const w of workers) w.child.kill('SIGKILL');
  });

  test('two workers computing the same key at the same moment run the task once', { timeout: 120_000 }, async () => {
    const [qa, qb] = [uid('qa'), uid('qb')];
    const [wa, wb] = [start(qa), start(qb)];
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), flows: [] });
    try {
      const probe = { dir: tempDir(), key: 'runs' };
      const id = uid('same-key');
      const run = (taskQueue: string) =>
        client.temporal.workflow.start('run-tasks', { taskQueue, workflowId: uid('shared'), args: [{ calls: [{ task: 'sharedSlow', args: [probe, id, 1_500] }] }] });
      const [a, b] = await Promise.all([run(qa), run(qb)]);
      const [ra, rb] = await Promise.all([resultWhileUp(a, wa), resultWhileUp(b, wb)]);
      assert.deepEqual(ra, rb, 'both runs got the same result');
      const starts = readLines(probe.dir, probe.key).filter((l) => l.event === 'start');
      assert.equal(starts.length, 1, 'one execution');
      const states = [(await client.flowRuns.taskRuns(a.workflowId))[0]!.state, (await client.flowRuns.taskRuns(b.workflowId))[0]!.state].sort();
      assert.deepEqual(states, ['Cached', 'Completed']);
    } finally {
      await client.close();
    }
  });

  test('a holder killed mid-task: its lease lapses and another worker runs the task', { timeout: 120_000 }, async () => {
    const [qa, qb] = [uid('qa'), uid('qb')];
    const [wa, wb] = [start(qa), start(qb)];
    const [a, b] = [wa.child, wb.child];
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), flows: [] });
    try {
      const probe = { dir: tempDir(), key: 'runs' };
      const id = uid('lease');
      const call = { calls: [{ task: 'sharedSlow', args: [probe, id, 6_000] }] };
      const first = await client.temporal.workflow.start('run-tasks', { taskQueue: qa, workflowId: uid('holder'), args: [call] });
      await Promise.race([eventually(() => readLines(probe.dir, probe.key).some((l) => l.pid === a.pid) || undefined, 60_000), wa.exited]);
      const second = await client.temporal.workflow.start('run-tasks', {
        taskQueue: qb,
        workflowId: uid('waiter'),
        args: [{ calls: [{ task: 'sharedSlow', args: [probe, id, 500] }] }],
      });
      // The second worker has the task, and has been in it long enough to heartbeat (a third of the
      // task's 2 s heartbeat timeout): without the lock it would have recorded its start by now.
      await Promise.race([
        eventually(async () => {
          const pending = (await second.describe()).raw.pendingActivities ?? [];
          return pending.some((p) => p.activityType?.name === 'shared-slow' && p.lastHeartbeatTime) || undefined;
        }, 30_000),
        wb.exited,
      ]);
      assert.deepEqual(
        readLines(probe.dir, probe.key).map((l) => [l.event, l.pid === a.pid ? 'holder' : 'other']),
        [['start', 'holder']],
        'the second worker waits for the lock while the holder works',
      );
      a.kill('SIGKILL');
      const result = await resultWhileUp(second, wb);
      assert.deepEqual(result, [`computed ${id} by ${b.pid}`]);
      const lines = readLines(probe.dir, probe.key);
      assert.deepEqual(
        lines.map((l) => [l.event, l.pid === a.pid ? 'killed' : 'other']),
        [
          ['start', 'killed'],
          ['start', 'other'],
          ['done', 'other'],
        ],
      );
      await first.terminate('test cleanup');
    } finally {
      await client.close();
    }
  });

  test('expiry and clearing in Redis', { timeout: 30_000 }, async () => {
    const store = await RedisCacheStore.connect(REDIS!, { prefix: `${uid('t')}:` });
    try {
      const key = 'cd'.repeat(32);
      const expiresAt = Date.now() + 2_000;
      await store.set({ key, taskName: 'x', createdAt: '', expiresAt: new Date(expiresAt).toISOString(), value: 1 });
      assert.equal((await store.get(key))?.value, 1);
      await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 100));
      assert.equal(await store.get(key), undefined, 'expired');
      await store.set({ key, taskName: 'x', createdAt: '', expiresAt: null, value: 2 });
      assert.equal(await store.clear({ taskName: 'x' }), 1);
      assert.equal(await store.get(key), undefined);
    } finally {
      await store.close();
    }
  });
});
