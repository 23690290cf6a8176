import assert from 'node:assert/strict';
import { dataConverter, loadConfig } from '../src/config';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { eventually, FIXTURES, readLines, ROOT, tempDir, testTarget, uid } from './helpers';

function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', FIXTURES, '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('crash recovery', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
  });

  test('a worker killed with SIGKILL mid-flow: a second worker finishes it; completed tasks ran once', async () => {
    const taskQueue = uid('crash');
    const dir = tempDir();
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [] });
    try {
      const first = spawnWorker(taskQueue);
      children.push(first);
      const { workflowId: id } = await client.temporal.workflow.start('steps', {
        taskQueue,
        workflowId: uid('steps'),
        args: [{ probe: { dir, key: 'unused' }, count: 6, ms: 400 }],
      });
      // Kill the worker once two steps are done and the third has started.
      await eventually(() => readLines(dir, 'step-3').length > 0 || undefined, 60_000);
      first.kill('SIGKILL');
      await exited(first);
      const doneAtKill = [1, 2, 3, 4, 5, 6].filter((i) => readLines(dir, `step-${i}`).some((l) => l.event === 'done'));
      assert.ok(doneAtKill.includes(1) && doneAtKill.includes(2), `done at kill: ${doneAtKill}`);

      const second = spawnWorker(taskQueue);
      children.push(second);
      const result = await client.temporal.workflow.getHandle(id).result();
      assert.deepEqual(result, [1, 2, 3, 4, 5, 6]);

      for (const i of doneAtKill) {
        const starts = readLines(dir, `step-${i}`).filter((l) => l.event === 'start');
        assert.equal(starts.length, 1, `step ${i} completed before the kill and must not run again`);
      }
      for (let i = 1; i <= 6; i++) {
        const lines = readLines(dir, `step-${i}`);
        assert.ok(
          lines.some((l) => l.event === 'done'),
          `step ${i} finished`,
        );
        if (!doneAtKill.includes(i) && lines.filter((l) => l.event === 'start').length > 1) {
          // The step that was running at the kill ran again on the second worker, not as a retry.
          assert.ok(lines.some((l) => l.pid === second.pid));
        }
      }
      const runs = (await client.flowRuns.get(id)).taskRuns;
      assert.equal(runs.length, 6);
      assert.ok(runs.every((r) => r.state === 'Completed'));
      second.kill('SIGTERM');
      await exited(second);
      assert.equal(second.exitCode, 0, 'SIGTERM stops a worker cleanly');
    } finally {
      await client.close();
    }
  });

  test('a crash never uses up a retry: a task that failed once, then lost its worker, has one retry left on the next', async () => {
    const taskQueue = uid('crash-count');
    const dir = tempDir();
    const key = 'fragile';
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [] });
    try {
      const first = spawnWorker(taskQueue);
      children.push(first);
      const { workflowId } = await client.temporal.workflow.start('call-task', {
        taskQueue,
        workflowId: uid('fragile'),
        args: [{ task: 'fragile', args: [{ dir, key }] }],
      });
      // Attempt 2 (after one real failure) is running: kill its worker.
      await eventually(() => readLines(dir, key).some((l) => l.failures === 1) || undefined, 60_000);
      first.kill('SIGKILL');
      await exited(first);
      const second = spawnWorker(taskQueue);
      children.push(second);
      const out = (await client.temporal.workflow.getHandle(workflowId).result()) as Record<string, unknown>;
      assert.equal(out.ok, false);
      assert.equal(out.message, 'second failure');
      const lines = readLines(dir, key);
      assert.deepEqual(
        lines.map((l) => [l.attempt, l.failures, l.pid === first.pid ? 'first' : 'second']),
        [
          [1, 0, 'first'],
          [2, 1, 'first'],
          [3, 1, 'second'],
        ],
        'the crashed attempt 2 did not count: attempt 3 still had its one retry, and used it',
      );
      second.kill('SIGTERM');
      await exited(second);
    } finally {
      await client.close();
    }
  });
});
