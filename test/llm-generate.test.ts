import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { API_KEY, DEFAULT_MODEL, startLlmTestBed, type LlmTestBed } from './llm-helpers';

describe('LLM calls as tasks', { timeout: 180_000 }, () => {
  let bed: LlmTestBed;
  before(async () => {
    bed = await startLlmTestBed();
  });
  afterEach(() => bed.server.reset());
  after(async () => {
    await bed?.stop();
  });

  test('llm.generate from a flow: text and usage in the result, the request as sent, the usage logged', { timeout: 60_000 }, async () => {
    bed.server.reply({ kind: 'text', text: 'Bonjour, Ada.', usage: { promptTokens: 21, completionTokens: 4 } });
    const handle = await bed.worker.client.flowRuns.start('llm-generate', {
      system: 'Answer in French.',
      prompt: 'Greet Ada.',
      temperature: 0.2,
      runName: 'greet-ada',
    });
    const out = (await handle.result()) as { ok: boolean; value: Record<string, unknown> };
    assert.equal(out.ok, true);
    assert.equal(out.value.text, 'Bonjour, Ada.');
    assert.equal(out.value.finishReason, 'stop');
    assert.equal(out.value.model, DEFAULT_MODEL);
    assert.deepEqual(out.value.usage, { inputTokens: 21, outputTokens: 4, totalTokens: 25 });

    const [request] = bed.server.chatRequests();
    assert.ok(request);
    assert.equal(request.body?.model, DEFAULT_MODEL);
    assert.deepEqual(request.body?.messages, [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Greet Ada.' },
    ]);
    assert.equal(request.body?.temperature, 0.2);
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.ok(!request.raw.includes(API_KEY), 'the key is not in the body');

    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.name, 'llm.generate');
    assert.equal(run?.runName, 'greet-ada');
    assert.equal(run?.state, 'Completed');
    assert.equal(run?.attempts, 1);
    const line = bed.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.flowRunId === handle.id && l.llm);
    assert.ok(line, 'the call logged a line');
    assert.equal(line.taskName, 'llm.generate');
    assert.deepEqual((line.llm as Record<string, unknown>).usage, { inputTokens: 21, outputTokens: 4, totalTokens: 25 });
    assert.match(String(line.msg), /llm generate finished: 25 tokens/);
  });

  test('an agent loop: the model calls a tool, the flow runs it as a task and answers, the model finishes', { timeout: 60_000 }, async () => {
    bed.server.reply({ kind: 'tool-calls', calls: [{ id: 'call_w1', name: 'weather', arguments: { city: 'Oslo' } }] }, (req) => {
      const messages = req.body?.messages as { role: string; content: unknown; tool_call_id?: string }[];
      const result = messages.find((m) => m.role === 'tool');
      return { kind: 'text', text: `tool said ${String(result?.content)}` };
    });
    const handle = await bed.worker.client.flowRuns.start('llm-agent', { question: 'How warm is Oslo?', model: 'agent-model' });
    const out = (await handle.result()) as { answer: string; rounds: number };
    assert.equal(out.rounds, 2);
    assert.equal(out.answer, 'tool said {"city":"Oslo","celsius":4}');

    const [first, second] = bed.server.chatRequests();
    assert.equal(first?.body?.model, 'agent-model');
    const tools = first?.body?.tools as { type: string; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
    assert.equal(tools.length, 1);
    assert.equal(tools[0]?.function.name, 'weather');
    assert.equal(tools[0]?.function.description, 'Current temperature in a city');
    assert.deepEqual((tools[0]?.function.parameters as { required: string[] }).required, ['city']);
    const sent = second?.body?.messages as { role: string; tool_call_id?: string; tool_calls?: { id: string }[] }[];
    assert.deepEqual(
      sent.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool'],
    );
    assert.equal(sent[2]?.tool_calls?.[0]?.id, 'call_w1');
    assert.equal(sent[3]?.tool_call_id, 'call_w1');

    const runs = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual(
      runs.map((r) => [r.name, r.runName ?? '']),
      [
        ['llm.generate', 'agent-round-1'],
        ['look-up-weather', ''],
        ['llm.generate', 'agent-round-2'],
      ],
    );
  });

  test('llm.structured: the zod schema goes as JSON Schema (response_format), the reply comes back parsed', { timeout: 60_000 }, async () => {
    const recipe = { title: 'Pancakes', minutes: 20, steps: ['mix', 'fry'] };
    bed.server.reply({ kind: 'json', value: recipe, usage: { promptTokens: 30, completionTokens: 12 } });
    const handle = await bed.worker.client.flowRuns.start('llm-recipe', { dish: 'pancakes' });
    const out = (await handle.result()) as { recipe: unknown; usage: unknown };
    assert.deepEqual(out.recipe, recipe);
    assert.deepEqual(out.usage, { inputTokens: 30, outputTokens: 12, totalTokens: 42 });
    const [request] = bed.server.chatRequests();
    const format = request?.body?.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.name, 'recipe');
    assert.deepEqual(format.json_schema.schema.required, ['title', 'minutes', 'steps']);
    assert.equal((format.json_schema.schema.properties as Record<string, { type: string }>).minutes?.type, 'integer');
    const [run] = await bed.worker.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.name, 'llm.structured');
    assert.equal(run?.runName, 'recipe-pancakes');
  });

  test('a reply that does not match the schema fails the task with the mismatch named, after its retries', { timeout: 60_000 }, async () => {
    bed.server.replyWith(() => ({ kind: 'json', value: { number: 'INV-7', total: -3 } }));
    const out = (await bed.worker.client.flowRuns.run('llm-invoice', { text: 'INV-7, total -3 EUR' })) as Record<string, unknown>;
    assert.equal(out.ok, false);
    assert.equal(out.name, 'TaskFailedError');
    assert.equal(out.errorName, 'LlmOutputError');
    assert.match(String(out.message), /the model's reply does not match the schema: total: Too small: expected number to be >=0/);
    assert.equal(bed.server.chatRequests().length, 2, 'one try and one retry');

    bed.server.reset();
    bed.server.reply({ kind: 'text', text: 'not json at all' }, { kind: 'json', value: { number: 'INV-8', total: 12.5 } });
    const ok = (await bed.worker.client.flowRuns.run('llm-invoice', { text: 'INV-8, total 12.50 EUR' })) as Record<string, unknown>;
    assert.deepEqual(ok, { ok: true, value: { number: 'INV-8', total: 12.5 } });
  });

  test('a task that calls the model caches like any task: the same input is answered from the cache', { timeout: 60_000 }, async () => {
    bed.server.replyWith((req) => ({ kind: 'text', text: `summary #${bed.server.chatRequests().indexOf(req) + 1}` }));
    const text = `a long text ${Date.now()}-${Math.random()}`;
    const first = await bed.worker.client.flowRuns.start('llm-summary', { text });
    assert.deepEqual(await first.result(), { summary: 'summary #1', usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 } });
    const second = await bed.worker.client.flowRuns.start('llm-summary', { text });
    assert.deepEqual(await second.result(), { summary: 'summary #1', usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 } });
    assert.equal(bed.server.chatRequests().length, 1, 'the model was asked once');
    const [run] = await bed.worker.client.flowRuns.taskRuns(second.id);
    assert.equal(run?.state, 'Cached');
    const other = await bed.worker.client.flowRuns.run('llm-summary', { text: `${text} (changed)` });
    assert.deepEqual(other, { summary: 'summary #2', usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 } });
  });
});
