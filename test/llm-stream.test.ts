import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { StreamItem } from '../src/core/stream';
import { startLlmTestBed, type LlmTestBed } from './llm-helpers';

async function collect(items: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('streamed LLM calls', { timeout: 180_000 }, () => {
  let bed: LlmTestBed;
  before(async () => {
    bed = await startLlmTestBed();
  });
  afterEach(() => bed.server.reset());
  after(async () => {
    await bed?.stop();
  });

  test('llm.stream publishes each text delta to the run stream as it comes, and returns the text and usage', { timeout: 60_000 }, async () => {
    const chunks = ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' flow.'];
    bed.server.reply({ kind: 'text', text: chunks.join(''), chunks, chunkDelayMs: 150, usage: { promptTokens: 9, completionTokens: 8 } });
    const handle = await bed.worker.client.flowRuns.start('llm-stream', { prompt: 'Tell a story.', runName: 'story' });
    const seen: { item: StreamItem; at: number }[] = [];
    for await (const item of handle.stream({ topics: ['llm'], maxPollMs: 50 })) seen.push({ item, at: Date.now() });
    const out = (await handle.result()) as { text: string; usage: unknown; finishReason: string };
    assert.equal(out.text, 'Once upon a time there was a flow.');
    assert.equal(out.finishReason, 'stop');
    assert.deepEqual(out.usage, { inputTokens: 9, outputTokens: 8, totalTokens: 17 });
    assert.deepEqual(
      seen.map((s) => s.item.value),
      chunks,
    );
    assert.ok(
      seen.every((s) => s.item.kind === 'item' && s.item.topic === 'llm' && s.item.task?.taskName === 'llm.stream'),
      'every delta is an item of topic llm from the llm.stream task',
    );
    // Live: the first delta was read well before the last one was written (8 deltas, 150 ms apart).
    assert.ok(seen.at(-1)!.at - seen[0]!.at >= 500, `deltas were read within ${seen.at(-1)!.at - seen[0]!.at} ms of each other`);

    const [request] = bed.server.chatRequests();
    assert.equal(request?.body?.stream, true);
    assert.deepEqual(request?.body?.stream_options, { include_usage: true });
    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.runName, 'story');
    assert.equal(run?.state, 'Completed');
  });

  test('a connection dropped mid-stream: the attempt is retried, and readers are told to drop its partial text', { timeout: 60_000 }, async () => {
    bed.server.reply(
      { kind: 'drop', text: 'lost words never arrive', afterChunks: 2 },
      { kind: 'text', text: 'whole reply here', chunks: ['whole', ' reply', ' here'] },
    );
    const handle = await bed.worker.client.flowRuns.start('llm-stream', { prompt: 'again', topic: 'story' });
    const out = (await handle.result()) as { text: string };
    assert.equal(out.text, 'whole reply here');
    const items = await collect(handle.stream({ topics: ['story'] }));
    assert.deepEqual(
      items.map((i) => (i.kind === 'discard' ? `discard attempt ${i.task!.attempt}` : `${i.task!.attempt}:${String(i.value)}`)),
      ['1:lost ', '1:words ', 'discard attempt 1', '2:whole', '2: reply', '2: here'],
    );
    assert.equal(bed.server.chatRequests().length, 2);
    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.attempts, 2);
  });

  test('a streamed reply of tool calls: the argument fragments come back as whole tool calls', { timeout: 60_000 }, async () => {
    bed.server.reply({ kind: 'tool-calls', calls: [{ id: 'call_s1', name: 'weather', arguments: { city: 'Reykjavík', unit: 'celsius' } }] });
    const tools = { weather: { inputSchema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } } };
    const out = (await bed.worker.client.flowRuns.run('llm-stream', { prompt: 'Weather?', tools })) as { finishReason: string; toolCalls: unknown[]; text: string };
    assert.equal(out.finishReason, 'tool-calls');
    assert.equal(out.text, '');
    assert.deepEqual(out.toolCalls, [{ toolCallId: 'call_s1', toolName: 'weather', input: { city: 'Reykjavík', unit: 'celsius' } }]);
  });
});
