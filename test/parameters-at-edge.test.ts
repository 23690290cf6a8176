import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ParameterValidationError, ValidationError } from '../src';
import { eventually, FIXTURES, startWorker, uid } from './helpers';
import { FORMAT_FIELDS, INVALID, parsedValid, VALID, type FormatName } from './fixtures/zod-formats';

const FORMATS = Object.keys(FORMAT_FIELDS) as FormatName[];

describe('zod checks behave the same at the edge, in flow parameters and in approval inputs', { timeout: 180_000 }, () => {
  test('every string format: a bad value is refused at the edge naming its field; good values reach the flow, which runs the same checks', async () => {
    const w = await startWorker();
    try {
      for (const field of FORMATS) {
        await assert.rejects(
          w.client.flowRuns.start('zod-formats', { ...VALID, [field]: INVALID[field] }),
          (err: unknown) => err instanceof ParameterValidationError && err.issues.length === 1 && err.issues[0]!.path === field,
          `${field}: ${JSON.stringify(INVALID[field])} must be refused`,
        );
      }
      const run = await w.client.flowRuns.start<
        unknown,
        { received: Record<string, unknown>; dateRestored: boolean; insideFlow: { validRefused: string[]; invalidRefused: string[] } }
      >('zod-formats', VALID);
      const result = await run.result();
      assert.deepEqual(JSON.parse(JSON.stringify(result.received)), parsedValid(), 'the flow gets the values parsed at the edge');
      assert.equal(result.received.transformed, 4, 'a transform applied once, at the edge');
      assert.equal(result.received.trimmed, 'mixed');
      assert.equal(result.dateRestored, true, 'a coerced date arrives as a Date');
      assert.deepEqual(result.insideFlow.validRefused, [], 'inside the flow, every valid sample passes');
      assert.deepEqual(result.insideFlow.invalidRefused, FORMATS, 'inside the flow, every invalid sample is refused');
    } finally {
      await w.stop();
    }
  });

  test('every string format as approval input: a bad value is refused naming its field and the run keeps waiting; a good one is decided', async () => {
    const w = await startWorker();
    try {
      const run = await w.client.flowRuns.start<unknown, { input: Record<string, unknown>; dateRestored: boolean }>('zod-approval', {});
      await eventually(async () => ((await run.describe()).state === 'AwaitingApproval' ? true : undefined));
      for (const field of FORMATS) {
        await assert.rejects(
          w.client.approvals.decide(run.id, 'formats', { decision: 'approve', input: { ...VALID, [field]: INVALID[field] } }, 'tester'),
          (err: unknown) => err instanceof ValidationError && err.issues.some((i) => i.path === `input.${field}`),
          `${field}: ${JSON.stringify(INVALID[field])} must be refused`,
        );
      }
      assert.equal((await run.describe()).state, 'AwaitingApproval', 'refused input changes nothing');
      const decided = await w.client.approvals.decide(run.id, 'formats', { decision: 'approve', input: VALID }, 'tester');
      assert.equal(decided.decision, 'approve');
      const result = await run.result();
      assert.deepEqual(JSON.parse(JSON.stringify(result.input)), parsedValid());
      assert.equal(result.dateRestored, true);
    } finally {
      await w.stop();
    }
  });
});

describe('parameters are parsed once, at the edge', { timeout: 120_000 }, () => {
  test('a redeploy that changes a default does not change a run already waiting', async () => {
    const taskQueue = uid('redeploy');
    const v1 = await startWorker({ flows: path.join(FIXTURES, 'redeploy', 'v1'), taskQueue });
    let v2: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      const run = await v1.client.flowRuns.start('waits-with-default', { label: 'in flight', when: '2026-12-01T10:00:00Z' });
      await eventually(async () => ((await run.describe()).state === 'Paused' ? true : undefined));
      // The complete parsed value is what the run was started with: defaults filled in, dates as JSON.
      assert.deepEqual((await run.describe()).parameters, { label: 'in flight', level: 1, when: '2026-12-01T10:00:00.000Z' });
      await v1.stop();
      v2 = await startWorker({ flows: path.join(FIXTURES, 'redeploy', 'v2'), taskQueue });
      await v2.client.flowRuns.resume(run.id);
      assert.deepEqual(await v2.client.flowRuns.result(run.id), { label: 'in flight', level: 1, when: '2026-12-01T10:00:00.000Z', whenIsDate: true });
      // A run started after the redeploy gets the new default.
      const fresh = await v2.client.flowRuns.start('waits-with-default', { label: 'new', when: '2026-12-02' });
      await eventually(async () => ((await fresh.describe()).state === 'Paused' ? true : undefined));
      await v2.client.flowRuns.resume(fresh.id);
      assert.equal(((await fresh.result()) as { level: number }).level, 2);
    } finally {
      await v2?.stop();
      await v1.stop().catch(() => undefined);
    }
  });
});

describe('a run started around the edge (a raw Temporal client, the Web UI)', { timeout: 60_000 }, () => {
  test('is parsed in the flow: defaults filled in, and bad parameters fail it at once', async () => {
    const w = await startWorker({ flows: path.join(FIXTURES, 'redeploy', 'v1') });
    try {
      const good = await w.client.temporal.workflow.start('waits-with-default', {
        taskQueue: w.taskQueue,
        workflowId: uid('raw-good'),
        args: [{ label: 'raw', when: '2026-12-03' }],
      });
      await eventually(async () => ((await w.client.flowRuns.get(good.workflowId)).state === 'Paused' ? true : undefined));
      await w.client.flowRuns.resume(good.workflowId);
      assert.deepEqual(await good.result(), { label: 'raw', level: 1, when: '2026-12-03T00:00:00.000Z', whenIsDate: true });

      const bad = await w.client.temporal.workflow.start('waits-with-default', { taskQueue: w.taskQueue, workflowId: uid('raw-bad'), args: [{ level: 'x' }] });
      await assert.rejects(bad.result(), (err: Error & { cause?: { type?: string; message: string } }) => {
        assert.equal(err.cause?.type, 'ParameterValidationError');
        assert.match(err.cause!.message, /label/);
        return true;
      });
    } finally {
      await w.stop();
    }
  });
});

describe('a flow timeout counts from when the flow starts running', { timeout: 120_000 }, () => {
  test('time spent waiting for a worker does not count; time in the body does', async () => {
    const taskQueue = uid('late-worker');
    const starter = await startWorker();
    let w: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      // timed-steps has timeoutSeconds 3: this run waits 4 s for a worker before its body starts.
      const queued = await starter.client.flowRuns.start('timed-steps', { ms: 500 }, { taskQueue });
      const startedAt = Date.now();
      await eventually(async () => ((await queued.describe()).state === 'Pending' && Date.now() - startedAt > 4_000 ? true : undefined), 10_000);
      w = await startWorker({ taskQueue });
      assert.equal(await queued.result(), 'done');
      assert.equal((await queued.describe()).state, 'Completed');

      const slow = await w.client.flowRuns.start('timed-steps', { ms: 8_000 });
      await assert.rejects(slow.result(), (err: Error & { state?: string }) => err.state === 'TimedOut' && /timeout of 3 s/.test(err.message));
      const info = await slow.describe();
      assert.equal(info.state, 'TimedOut');
      assert.equal(info.error?.type, 'FlowTimeoutError');
      assert.ok(info.durationMs! >= 3_000 && info.durationMs! < 8_000, `ended after ${info.durationMs} ms`);
      await eventually(async () =>
        (await w!.client.flowRuns.list({ flow: 'timed-steps', state: 'TimedOut', pageSize: 1000 })).flowRuns.some((r) => r.id === slow.id) ? true : undefined,
      );
    } finally {
      await w?.stop();
      await starter.stop();
    }
  });
});
