import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { API_KEY, startLlmTestBed, type LlmTestBed } from './llm-helpers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

describe('LLM call failures and retries', { timeout: 180_000 }, () => {
  let bed: LlmTestBed;
  before(async () => {
    bed = await startLlmTestBed();
  });
  afterEach(() => bed.server.reset());
  after(async () => {
    await bed?.stop();
  });

  const events = async (flowRunId: string): Promise<HistoryEvent[]> => (await bed.worker.client.temporal.workflow.getHandle(flowRunId).fetchHistory()).events ?? [];
  /** The whole history as text, payloads decoded (they come base64-encoded), so a value in any of them can be found. */
  const historyText = async (flowRunId: string): Promise<string> =>
    JSON.stringify(await events(flowRunId), (key, value: unknown) =>
      key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
    );
  const millis = (ts: HistoryEvent['eventTime']) => Number(ts?.seconds ?? 0) * 1000 + Math.round((ts?.nanos ?? 0) / 1e6);

  test('429 with Retry-After: retried by Baton after the delay the provider asked for, then succeeds', { timeout: 60_000 }, async () => {
    bed.server.reply(
      { kind: 'error', status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached' } } },
      { kind: 'text', text: 'finally' },
    );
    const handle = await bed.worker.client.flowRuns.start('llm-generate', { prompt: 'busy?' });
    const out = (await handle.result()) as { ok: boolean; value: { text: string } };
    assert.equal(out.value.text, 'finally');

    const [first, second] = bed.server.chatRequests();
    assert.ok(first && second && bed.server.chatRequests().length === 2);
    assert.ok(second.at - first.at >= 1_950, `the retry came ${second.at - first.at} ms after the 429, want ≥ 2000`);
    const history = await events(handle.id);
    const scheduled = history.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const started = history.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    assert.equal(started?.activityTaskStartedEventAttributes?.attempt, 2);
    const lastFailure = started?.activityTaskStartedEventAttributes?.lastFailure;
    assert.equal(lastFailure?.applicationFailureInfo?.type, 'RetryAfterError');
    assert.match(lastFailure?.message ?? '', /answered 429 Too Many Requests: Rate limit reached \(retry after 2 s\)/);
    const gap = millis(started?.eventTime) - millis(scheduled?.eventTime);
    assert.ok(gap >= 1_950, `attempt 2 started ${gap} ms after the task was scheduled, want ≥ 2000`);
    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.state, 'Completed');
    assert.equal(run?.attempts, 2);
  });

  test('500, then a dropped connection: both retried on the task schedule, then it succeeds', { timeout: 60_000 }, async () => {
    bed.server.reply({ kind: 'error', status: 500 }, { kind: 'drop', text: 'never sent', afterChunks: 0 }, { kind: 'text', text: 'recovered' });
    const handle = await bed.worker.client.flowRuns.start('llm-generate', { prompt: 'flaky?' });
    const out = (await handle.result()) as { ok: boolean; value: { text: string } };
    assert.equal(out.value.text, 'recovered');
    const requests = bed.server.chatRequests();
    assert.equal(requests.length, 3);
    // llm.generate's schedule: 1 s, then 2 s.
    assert.ok(requests[1]!.at - requests[0]!.at >= 950, `first retry after ${requests[1]!.at - requests[0]!.at} ms`);
    assert.ok(requests[2]!.at - requests[1]!.at >= 1_950, `second retry after ${requests[2]!.at - requests[1]!.at} ms`);
    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.attempts, 3);
    const started = (await events(handle.id)).find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    assert.equal(started?.activityTaskStartedEventAttributes?.lastFailure?.applicationFailureInfo?.type, 'LlmProviderError');
  });

  test('401 fails at once, without retry, naming the status and not the key', { timeout: 60_000 }, async () => {
    bed.server.replyWith(() => ({ kind: 'error', status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error' } } }));
    const handle = await bed.worker.client.flowRuns.start('llm-generate', { prompt: 'who am I?' });
    const out = (await handle.result()) as Record<string, unknown>;
    assert.equal(out.ok, false);
    assert.equal(out.isNonRetryable, true);
    assert.equal(out.name, 'NonRetryableError');
    assert.equal(out.message, 'the model provider answered 401 Unauthorized: check BATON_LLM_API_KEY on the worker');
    assert.equal(bed.server.chatRequests().length, 1);
    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.state, 'Failed');
    assert.equal(run?.attempts, 1);
  });

  test('400 fails at once with the provider message, the key redacted from it', { timeout: 60_000 }, async () => {
    bed.server.reply({ kind: 'error', status: 400, body: { error: { message: `model 'nope' does not exist (key ${API_KEY})` } } });
    const out = (await bed.worker.client.flowRuns.run('llm-generate', { prompt: 'hi', model: 'nope' })) as Record<string, unknown>;
    assert.equal(out.isNonRetryable, true);
    assert.equal(out.message, "the model provider answered 400 Bad Request: model 'nope' does not exist (key [redacted])");
    assert.equal(bed.server.chatRequests()[0]?.body?.model, 'nope');
  });

  test('a call that is invalid, or a worker without BATON_LLM_BASE_URL, fails at once without asking the model', { timeout: 60_000 }, async () => {
    const invalid = (await bed.worker.client.flowRuns.run('llm-generate', { prompt: 'a', messages: [{ role: 'user', content: 'b' }] })) as Record<string, unknown>;
    assert.equal(invalid.isNonRetryable, true);
    assert.equal(invalid.message, 'invalid generate call: prompt: give exactly one of prompt and messages');
    const saved = process.env.BATON_LLM_BASE_URL;
    delete process.env.BATON_LLM_BASE_URL;
    try {
      const unset = (await bed.worker.client.flowRuns.run('llm-generate', { prompt: 'hi' })) as Record<string, unknown>;
      assert.equal(unset.isNonRetryable, true);
      assert.match(String(unset.message), /^BATON_LLM_BASE_URL is not set on the worker/);
    } finally {
      process.env.BATON_LLM_BASE_URL = saved;
    }
    assert.equal(bed.server.requests.length, 0);
  });

  test('the API key is in no history, no log line and no result, only in the Authorization header', { timeout: 90_000 }, async () => {
    const echo = { error: { message: `bad key ${API_KEY}` } };
    bed.server.reply(
      { kind: 'error', status: 503, headers: { 'retry-after': '0' }, body: echo },
      { kind: 'text', text: 'ok after 503' },
      { kind: 'error', status: 403, body: echo },
      { kind: 'error', status: 422, body: echo },
    );
    const ids: string[] = [];
    for (const prompt of ['leak test one', 'leak test two', 'leak test three']) {
      const handle = await bed.worker.client.flowRuns.start('llm-generate', { prompt });
      ids.push(handle.id);
      await handle.result();
    }
    const requests = bed.server.chatRequests();
    assert.equal(requests.length, 4);
    for (const r of requests) {
      assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);
      assert.ok(!r.raw.includes(API_KEY) && !(r.path + JSON.stringify({ ...r.headers, authorization: '' })).includes(API_KEY));
    }
    const base64Key = Buffer.from(API_KEY).toString('base64');
    for (const id of ids) {
      const text = await historyText(id);
      assert.ok(text.includes('leak test'), 'the search reads decoded payloads');
      assert.ok(!text.includes(API_KEY) && !text.includes(base64Key), `the key is in the history of ${id}`);
    }
    const logs = bed.logLines.join('\n');
    assert.match(logs, /503 Service Unavailable/, 'the failures were logged');
    assert.ok(!logs.includes(API_KEY) && !logs.includes(base64Key), 'the key is in the worker log');
  });
});
