import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';
import { ModelServer, type RecordedRequest, type Reply } from './model-server';

const AGENT_FIXTURES = path.join(FIXTURES, 'agent');
const TIMEOUT = { timeout: 60_000 };

type Message = { role: string; content: unknown; tool_call_id?: string };
const messagesOf = (req: RecordedRequest) => (req.body?.messages ?? []) as Message[];
const toolResults = (req: RecordedRequest) => messagesOf(req).filter((m) => m.role === 'tool');
const journal = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

describe('agent loops in flows', { timeout: 300_000 }, () => {
  let server: ModelServer;
  let w: TestWorker;
  const journalFile = path.join(tempDir(), 'agent-journal.jsonl');
  before(async () => {
    server = await ModelServer.start();
    Object.assign(process.env, {
      BATON_LLM_BASE_URL: server.baseURL,
      BATON_LLM_MODEL: 'scripted-agent',
      BATON_LLM_API_KEY: 'sk-agent-test-0123456789',
      BATON_TEST_AGENT_JOURNAL: journalFile,
      BATON_MCP_SERVERS: JSON.stringify({
        memory: { command: path.join(ROOT, 'node_modules', '.bin', 'mcp-server-memory'), env: { MEMORY_FILE_PATH: path.join(tempDir(), 'memory.jsonl') } },
      }),
    });
    w = await startWorker({ flows: AGENT_FIXTURES });
  });
  afterEach(() => server.reset());
  after(async () => {
    await w?.stop();
    await server?.close();
  });

  test('each model step and each tool call is a task run; a bad tool input goes back to the model', TIMEOUT, async () => {
    server.replyWith((req): Reply => {
      const results = toolResults(req).length;
      if (results === 0) return { kind: 'tool-calls', calls: [{ id: 'c1', name: 'weather', arguments: {} }] };
      if (results === 1) return { kind: 'tool-calls', calls: [{ id: 'c2', name: 'weather', arguments: { city: 'Oslo' } }] };
      return { kind: 'text', text: 'It is 4 °C in Oslo.' };
    });
    const run = await w.client.flowRuns.start('agent-weather', { question: 'How warm is Oslo?' });
    const result = (await run.result()) as {
      text: string;
      steps: number;
      toolCalls: { tool: string; input: unknown; error?: string }[];
      usage: { totalTokens: number };
    };
    assert.equal(result.text, 'It is 4 °C in Oslo.');
    assert.equal(result.steps, 3);
    assert.deepEqual(
      result.toolCalls.map((c) => [c.tool, c.input, c.error]),
      [
        ['weather', {}, 'invalid input: city: Invalid input: expected string, received undefined'],
        ['weather', { city: 'Oslo' }, undefined],
      ],
    );
    // The scripted server counts 11 + 7 tokens a call.
    assert.equal(result.usage.totalTokens, 54);
    // The model heard the refusal, then the tool's answer.
    const [, second, third] = server.chatRequests();
    assert.match(String(toolResults(second!)[0]!.content), /invalid input: city/);
    assert.match(String(toolResults(third!)[1]!.content), /"celsius":4/);
    const runs = await w.client.flowRuns.taskRuns(run.id);
    assert.deepEqual(
      runs.map((r) => [r.runName, r.usage?.totalTokens]),
      [
        ['weaver: step 1', 18],
        ['weaver: step 2', 18],
        ['tool: weather', undefined],
        ['weaver: step 3', 18],
      ],
    );
    // `baton flow-run inspect` shows each task run's tokens.
    const api = await startTestApi(w.client);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'flow-run', 'inspect', run.id], {
        env: { ...process.env, BATON_API_URL: api.base },
        timeout: 30_000,
      });
      assert.match(stdout, /TOKENS/i);
      assert.match(stdout, /weaver: step 3\s.*\s18\s/);
    } finally {
      await api.close();
    }
  });

  test('a tool that needs approval waits for a person; an edited call runs with their arguments, a rejected one never runs', TIMEOUT, async () => {
    server.replyWith((req): Reply => {
      const results = toolResults(req);
      if (results.length === 0) return { kind: 'tool-calls', calls: [{ id: 'd1', name: 'deploy', arguments: { env: 'prod' } }] };
      return { kind: 'text', text: `done: ${String(results[0]!.content)}` };
    });
    const before = journal(journalFile).filter((l) => l.event === 'deploy').length;
    const edited = await w.client.flowRuns.start('agent-deploy', { question: 'Ship it to prod.' });
    const waiting = await eventually(async () => {
      const page = await w.client.approvals.list({ flow: 'agent-deploy' });
      return page.approvals.find((a) => a.flowRunId === edited.id);
    }, 30_000);
    assert.equal(waiting.key, 'operator-tool-1-1');
    assert.match(waiting.description ?? '', /operator wants to call deploy with \{"env":"prod"\}/);
    await w.client.approvals.decide(edited.id, waiting.key, { decision: 'approve', input: { args: { env: 'staging' } } }, 'ada');
    const editedResult = (await edited.result()) as { text: string; toolCalls: { approved: boolean }[] };
    assert.match(editedResult.text, /done: .*"deployed":"staging"/);
    assert.deepEqual(
      journal(journalFile)
        .filter((l) => l.event === 'deploy')
        .slice(before)
        .map((l) => l.env),
      ['staging'],
    );

    const rejected = await w.client.flowRuns.start('agent-deploy', { question: 'Ship it to prod.' });
    await eventually(async () => (await w.client.approvals.list({ flow: 'agent-deploy' })).approvals.find((a) => a.flowRunId === rejected.id), 30_000);
    await w.client.approvals.decide(rejected.id, 'operator-tool-1-1', { decision: 'reject', comment: 'not on a Friday' }, 'ada');
    const rejectedResult = (await rejected.result()) as { text: string; toolCalls: { approved: boolean; error?: string }[] };
    assert.equal(rejectedResult.toolCalls[0]!.approved, false);
    assert.match(rejectedResult.text, /the call was rejected by ada: not on a Friday/);
    assert.equal(journal(journalFile).filter((l) => l.event === 'deploy').length, before + 1, 'the rejected call never ran');
  });

  test('an output schema: one more, structured call, checked by the schema', TIMEOUT, async () => {
    server.reply({ kind: 'text', text: 'Probably yes.' }, { kind: 'json', value: { answer: 'yes', confidence: 0.8 } });
    const result = (await w.client.flowRuns.run('agent-output', { question: 'Will it rain?' })) as { output: unknown; steps: number };
    assert.deepEqual(result.output, { answer: 'yes', confidence: 0.8 });
    const [, structured] = server.chatRequests();
    assert.equal((structured!.body?.response_format as { type: string }).type, 'json_schema');
  });

  test("an MCP server's tools: listed once, each call a task run, a write approved by a person, what was written read back", TIMEOUT, async () => {
    server.replyWith((req): Reply => {
      const results = toolResults(req);
      if (results.length === 0) {
        const offered = (req.body?.tools as { function: { name: string } }[]).map((t) => t.function.name);
        if (!offered.includes('create_entities') || !offered.includes('read_graph')) return { kind: 'text', text: `missing tools: ${offered.join(', ')}` };
        return {
          kind: 'tool-calls',
          calls: [{ id: 'm1', name: 'create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['writes chapter 3'] }] } }],
        };
      }
      if (results.length === 1) return { kind: 'tool-calls', calls: [{ id: 'm2', name: 'read_graph', arguments: {} }] };
      return { kind: 'text', text: `remembered: ${String(results[1]!.content)}` };
    });
    const run = await w.client.flowRuns.start('agent-memory', { question: 'Remember Ada.' });
    const waiting = await eventually(async () => (await w.client.approvals.list({ flow: 'agent-memory' })).approvals.find((a) => a.flowRunId === run.id), 30_000);
    assert.match(waiting.description ?? '', /librarian wants to call create_entities/);
    await w.client.approvals.decide(run.id, waiting.key, { decision: 'approve' }, 'ada');
    const result = (await run.result()) as { text: string };
    assert.match(result.text, /remembered: .*Ada.*writes chapter 3/);
    const runs = await w.client.flowRuns.taskRuns(run.id);
    assert.deepEqual(
      runs.map((r) => r.runName),
      ['tools: memory', 'librarian: step 1', 'tool: create_entities', 'librarian: step 2', 'tool: read_graph', 'librarian: step 3'],
    );
  });

  test('limits end the loop with AgentLimitError: steps, then tokens', TIMEOUT, async () => {
    server.replyWith((): Reply => ({ kind: 'tool-calls', calls: [{ id: uid('c'), name: 'weather', arguments: { city: 'Oslo' } }] }));
    await assert.rejects(w.client.flowRuns.run('agent-weather', { question: 'Loop', maxSteps: 2 }), /agent 'weaver' stopped: 2 steps without a final answer/);
    await assert.rejects(w.client.flowRuns.run('agent-weather', { question: 'Loop', maxTokens: 30 }), /agent 'weaver' stopped: 36 tokens used, over its budget of 30/);
  });
});

describe('an agent loop whose worker is killed mid-tool', { timeout: 180_000 }, () => {
  const children: ChildProcess[] = [];
  let server: ModelServer;
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.close();
  });

  test('no model call and no tool call that had completed runs again', { timeout: 150_000 }, async () => {
    server = await ModelServer.start();
    server.replyWith((req): Reply => {
      const results = toolResults(req).length;
      if (results === 0) return { kind: 'tool-calls', calls: [{ id: 'w1', name: 'weather', arguments: { city: 'Oslo' } }] };
      if (results === 1) return { kind: 'tool-calls', calls: [{ id: 's1', name: 'search', arguments: { query: 'Oslo winters' } }] };
      return { kind: 'text', text: 'Cold, and well documented.' };
    });
    const file = path.join(tempDir(), 'journal.jsonl');
    const taskQueue = uid('agent-kill');
    const env = {
      ...process.env,
      BATON_LLM_BASE_URL: server.baseURL,
      BATON_LLM_MODEL: 'scripted',
      BATON_LLM_API_KEY: 'sk-agent-kill-0123456789',
      BATON_TEST_AGENT_JOURNAL: file,
    };
    const spawnWorker = () => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', AGENT_FIXTURES, '--task-queue', taskQueue], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };
    const w = await startWorker({ flows: AGENT_FIXTURES, taskQueue: uid('client-only') });
    try {
      const first = spawnWorker();
      const run = await w.client.flowRuns.start('agent-search', { question: 'Tell me about Oslo winters.' }, { taskQueue });
      await eventually(() => journal(file).some((l) => l.event === 'search-start') || undefined, 60_000);
      first.kill('SIGKILL');
      await new Promise<void>((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve() : first.once('exit', () => resolve())));
      spawnWorker();
      const result = (await run.result()) as { text: string; steps: number };
      assert.equal(result.text, 'Cold, and well documented.');
      assert.equal(result.steps, 3);
      // Model steps 1 and 2 had completed before the kill: the model was asked 3 times in all.
      assert.equal(server.chatRequests().length, 3);
      const lines = journal(file);
      assert.equal(lines.filter((l) => l.event === 'weather').length, 1, 'the completed tool call ran once');
      assert.equal(lines.filter((l) => l.event === 'search-done').length, 1);
      assert.ok(lines.filter((l) => l.event === 'search-start').length >= 2, 'the tool call in flight at the kill ran again');
    } finally {
      await w.stop();
    }
  });
});
