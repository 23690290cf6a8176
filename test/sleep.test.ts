import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { startWorker, type TestWorker } from './helpers';

describe('sleep(seconds): a durable timer in flows', { timeout: 60_000 }, () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  test('is a Temporal timer of that many seconds, recorded in the run', async () => {
    const run = await w.client.flowRuns.start<unknown, string>('sleeper-flow', { seconds: 1.5 });
    assert.equal(await run.result(), 'awake');
    const events = (await w.client.temporal.workflow.getHandle(run.id).fetchHistory()).events ?? [];
    const E = temporal.api.enums.v1.EventType;
    const timers = events.filter((e) => e.eventType === E.EVENT_TYPE_TIMER_STARTED).map((e) => e.timerStartedEventAttributes?.startToFireTimeout);
    assert.equal(timers.length, 1);
    assert.equal(Number(timers[0]?.seconds ?? 0) * 1000 + Math.round((timers[0]?.nanos ?? 0) / 1e6), 1_500);
    assert.ok(events.some((e) => e.eventType === E.EVENT_TYPE_TIMER_FIRED));
  });

  test('refuses a negative or non-finite duration, naming it', async () => {
    const run = await w.client.flowRuns.start<unknown, string>('sleeper-flow', { seconds: -1 });
    await assert.rejects(run.result(), (err: Error) => /sleep\(seconds\): seconds must be a finite number ≥ 0, got -1/.test(err.message));
  });
});
