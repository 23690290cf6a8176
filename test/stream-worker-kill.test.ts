import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import type { StreamItem } from '../src/core/stream';
import { eventually, FIXTURES, ROOT, testTarget, uid } from './helpers';

const STREAMS = path.join(FIXTURES, 'streams');

function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', STREAMS, '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

type Token = { step: number; attempt: number; i: number };

// A reader follows a run while the worker running it is killed with SIGKILL mid-stream; a second
// worker takes over. The reader must get every item once, in order, with the killed attempt's
// partial output marked discarded, and no step that had completed may run again.
describe('a stream while its worker is killed', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  test('the reader gets every item once; the killed attempt is discarded; completed steps do not run again', { timeout: 120_000 }, async () => {
    const taskQueue = uid('stream-kill');
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [] });
    try {
      const first = spawnWorker(taskQueue);
      children.push(first);
      const n = 10;
      const { workflowId: id } = await client.temporal.workflow.start('stream-steps', { taskQueue, workflowId: uid('stream-steps'), args: [{ n, ms: 150 }] });
      const items: StreamItem[] = [];
      const reading = (async () => {
        for await (const item of client.flowRuns.stream(id)) items.push(item);
      })();
      // Kill the worker once step 2 has streamed a few chunks.
      await eventually(() => items.some((i) => (i.value as Token | undefined)?.step === 2 && (i.value as Token).i >= 3) || undefined, 60_000);
      first.kill('SIGKILL');
      await exited(first);
      const second = spawnWorker(taskQueue);
      children.push(second);
      assert.deepEqual(await client.temporal.workflow.getHandle(id).result(), ['step 1', 'step 2', 'step 3']);
      await reading;

      // Every item once, numbered 0..n-1 without a gap.
      assert.deepEqual(
        items.map((i) => i.seq),
        items.map((_, k) => k),
      );
      const tokens = (step: number, attempt: number) =>
        items
          .filter((i) => i.kind === 'item' && i.topic === 'tokens')
          .map((i) => i.value as Token)
          .filter((t) => t.step === step && t.attempt === attempt)
          .map((t) => t.i);
      const all = Array.from({ length: n }, (_, k) => k);
      // Step 1 completed before the kill: one attempt, streamed once.
      assert.deepEqual(tokens(1, 1), all);
      assert.deepEqual(tokens(1, 2), []);
      // Step 2 was killed: its first attempt's partial output, then a discard marker, then all of attempt 2.
      const partial = tokens(2, 1);
      assert.ok(partial.length >= 4 && partial.length < n, `attempt 1 of step 2 streamed ${partial.length} chunks`);
      assert.deepEqual(partial, all.slice(0, partial.length));
      const discard = items.find((i) => i.kind === 'discard');
      assert.deepEqual(discard?.task && { name: discard.task.taskName, attempt: discard.task.attempt }, { name: 'stream-slowly', attempt: 1 });
      const firstOfAttempt2 = items.findIndex((i) => (i.value as Token | undefined)?.step === 2 && (i.value as Token).attempt === 2);
      assert.ok(items.indexOf(discard!) < firstOfAttempt2, 'the discard marker comes before the new attempt');
      assert.deepEqual(tokens(2, 2), all);
      assert.deepEqual(tokens(3, 1), all);
      // The yields, in order, after each step's chunks.
      assert.deepEqual(
        items.filter((i) => i.topic === 'default').map((i) => i.value),
        ['step 1', 'step 2', 'step 3'],
      );
    } finally {
      await client.close();
    }
  });
});
