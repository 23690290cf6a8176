/**
 * examples/narrative: the five-persona book pipeline, run on a real worker against the real memory
 * MCP server (node_modules/.bin/mcp-server-memory, its file in a temporary folder) and the scripted
 * OpenAI-compatible model server, which answers each persona from what its request says.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readDeployFile } from '../src/cli/deployment-commands';
import { parseDeployment } from '../src/client/deployment-check';
import type { StreamItem } from '../src/core/stream';
import { ValidationError } from '../src/core/errors';
import { loadMcpServers } from '../src/mcp/mcp-servers';
import type { Chapter } from '../examples/narrative/schemas';
import { eventually, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';
import { ModelServer, type RecordedRequest, type Reply } from './model-server';

const EXAMPLE = path.join(ROOT, 'examples', 'narrative');
const MEMORY_BIN = path.join(ROOT, 'node_modules', '.bin', 'mcp-server-memory');
const RED = 'The lighthouse is painted red.';
const NOTE = 'The lighthouse is red in the canon, not blue.';

type Message = { role: string; content: unknown };
const messagesOf = (req: RecordedRequest) => (req.body?.messages ?? []) as Message[];
const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: { text?: string }) => p.text ?? '').join('') : '';
const systemOf = (req: RecordedRequest) => textOf(messagesOf(req).find((m) => m.role === 'system')?.content);
const userOf = (req: RecordedRequest) =>
  messagesOf(req)
    .filter((m) => m.role === 'user')
    .map((m) => textOf(m.content))
    .join('\n');
const persona = (req: RecordedRequest) => /^You are the (\w+)/.exec(systemOf(req))?.[1] ?? 'unknown';
/** The chapter a request is about: the line `Chapter <n>: <title>` (earlier chapters read `Chapter <n> (`). */
const chapterOf = (req: RecordedRequest) => Number(/Chapter (\d+): /.exec(userOf(req))?.[1] ?? 0);

/** The scripted team: deterministic replies from each request's persona and content. */
function script(tag: string) {
  return (req: RecordedRequest): Reply => {
    const n = chapterOf(req);
    switch (persona(req)) {
      case 'Director':
        return {
          kind: 'json',
          value: {
            title: `The Red Lighthouse ${tag}`,
            characters: [
              { name: 'Mira', description: "the keeper's daughter" },
              { name: 'Tobias', description: 'the harbour master' },
            ],
            facts: [RED, `The town is called Wrenhaven-${tag}.`],
            chapters: [
              { number: 1, title: 'The Map', goal: 'Mira finds a map in the lamp room.' },
              { number: 2, title: 'The Climb', goal: 'Mira climbs the tower at night.' },
              { number: 3, title: 'The Harbour', goal: 'Tobias learns the secret.' },
            ],
          },
        };
      case 'Tactician':
        return { kind: 'json', value: { beats: [`beat ${n}.1 of ${tag}`, `beat ${n}.2 of ${tag}`] } };
      case 'Weaver': {
        if (n === 2 && !userOf(req).includes('Notes from the Canonist')) return { kind: 'text', text: 'Mira climbed the blue lighthouse in the dark.' };
        if (n === 2) return { kind: 'text', text: 'Mira climbed the red lighthouse in the dark.' };
        return { kind: 'text', text: `Chapter ${n} prose: Mira and Tobias in Wrenhaven.` };
      }
      case 'Canonist': {
        const draft = userOf(req).split('\n\n').pop() ?? '';
        if (draft.includes('blue lighthouse')) return { kind: 'json', value: { consistent: false, notes: [NOTE], summary: 'Mira climbs a blue tower.', newFacts: [] } };
        return {
          kind: 'json',
          value: { consistent: true, notes: [], summary: `Summary of chapter ${n} (${tag}).`, newFacts: n === 1 ? ['Mira found a brass key.'] : [] },
        };
      }
      default:
        return { kind: 'error', status: 400, body: { error: { message: `no persona in: ${systemOf(req).slice(0, 80)}` } } };
    }
  };
}

interface BookResult {
  book: string;
  title: string;
  chapters: Chapter[];
  decision: string;
  decidedBy: string;
  editor?: { editor: string; notes: string; edition: string };
  published: { file: string; bytes: number } | null;
}

/** Reads the memory server's file through a server process of its own, as any MCP client would. */
async function readGraph(memoryFile: string): Promise<{ entities: { name: string; entityType: string; observations: string[] }[]; relations: unknown[] }> {
  const client = new Client({ name: 'narrative-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ command: MEMORY_BIN, env: { ...(process.env as Record<string, string>), MEMORY_FILE_PATH: memoryFile }, stderr: 'ignore' }),
  );
  try {
    const result = await client.callTool({ name: 'read_graph', arguments: {} }, undefined, { timeout: 10_000 });
    return result.structuredContent as never;
  } finally {
    await client.close();
  }
}

describe('example: the five-persona narrative pipeline', { timeout: 240_000 }, () => {
  const tag = uid('n').slice(2);
  const premise = `${tag} a keeper's daughter finds a map in the red lighthouse`;
  const dir = tempDir();
  const memoryFile = path.join(dir, 'memory.jsonl');
  const booksDir = path.join(dir, 'books');
  let server: ModelServer;
  let w: TestWorker;
  let firstRunId = '';

  before(async () => {
    server = await ModelServer.start();
    server.replyWith(script(tag));
    Object.assign(process.env, {
      BATON_LLM_BASE_URL: server.baseURL,
      BATON_LLM_MODEL: 'scripted-narrative',
      BATON_LLM_API_KEY: 'sk-narrative-test-0123456789',
      BATON_MCP_SERVERS: JSON.stringify({ memory: { command: MEMORY_BIN, env: { MEMORY_FILE_PATH: memoryFile } } }),
      NARRATIVE_BOOKS_DIR: booksDir,
    });
    w = await startWorker({ flows: EXAMPLE });
  });
  after(async () => {
    await w?.stop();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('plans, beats, writes, revises once on the Canonist’s notes, streams, waits for the editor, remembers', { timeout: 120_000 }, async () => {
    const run = await w.client.flowRuns.start('narrative', { premise, chapters: 3, maxRevisions: 2 });
    firstRunId = run.id;
    const book = `${tag}-a-keeper-s-daughter-finds-a-map-in-the-red`.slice(0, 48).replace(/-+$/, '');
    assert.equal(run.runName, `book-${book}`);
    const items: StreamItem[] = [];
    // The stream ends when the flow's body ends, after the approval: read it alongside.
    const reading = (async () => {
      for await (const item of w.client.flowRuns.stream(run.id)) items.push(item);
    })();

    // The run waits for the editor, after the last chapter was yielded.
    const pending = await eventually(async () => (await w.client.approvals.list({ flow: 'narrative' })).approvals.find((a) => a.flowRunId === run.id), 60_000);
    assert.equal(pending.key, 'publish');
    assert.match(pending.description ?? '', new RegExp(`Publish "The Red Lighthouse ${tag}" \\(3 chapters\\)\\? The Canonist passed every chapter\\.`));
    assert.equal((await run.describe()).state, 'AwaitingApproval');
    // Every chapter was yielded before the approval: the reader gets all three while the run waits.
    await eventually(() => items.filter((i) => i.topic === 'default').length === 3, 10_000);
    // Editor notes are typed: a bad one is refused and the run keeps waiting.
    await assert.rejects(
      w.client.approvals.decide(run.id, 'publish', { decision: 'approve', input: { editor: '', notes: 'fine', edition: 'pocket' } }, 'ed'),
      (err: unknown) => err instanceof ValidationError && err.issues.some((i) => /editor/.test(i.path)) && err.issues.some((i) => /edition/.test(i.path)),
    );
    assert.equal((await run.describe()).state, 'AwaitingApproval');
    await w.client.approvals.decide(run.id, 'publish', { decision: 'approve', input: { editor: 'Ada', notes: 'Tighten chapter 3.' } }, 'ada');

    const result = (await run.result()) as BookResult;
    await reading;
    assert.equal(result.title, `The Red Lighthouse ${tag}`);
    assert.equal(result.decision, 'approve');
    assert.equal(result.decidedBy, 'ada');
    assert.deepEqual(result.editor, { editor: 'Ada', notes: 'Tighten chapter 3.', edition: 'final' });
    assert.deepEqual(
      result.chapters.map((c) => [c.number, c.title, c.text, c.drafts, c.canonApproved]),
      [
        [1, 'The Map', 'Chapter 1 prose: Mira and Tobias in Wrenhaven.', 1, true],
        [2, 'The Climb', 'Mira climbed the red lighthouse in the dark.', 2, true],
        [3, 'The Harbour', 'Chapter 3 prose: Mira and Tobias in Wrenhaven.', 1, true],
      ],
    );
    const published = fs.readFileSync(result.published!.file, 'utf8');
    assert.equal(path.dirname(result.published!.file), booksDir);
    assert.match(published, /^# The Red Lighthouse /);
    assert.match(published, /_final edition, edited by Ada: Tighten chapter 3\._/);
    assert.match(published, /## 2\. The Climb\n\nMira climbed the red lighthouse in the dark\./);

    // The revision: the Weaver's second draft of chapter 2 was asked with the Canonist's notes.
    const weaver2 = server.chatRequests().filter((r) => persona(r) === 'Weaver' && chapterOf(r) === 2);
    assert.equal(weaver2.length, 2);
    assert.doesNotMatch(userOf(weaver2[0]!), /Notes from the Canonist/);
    assert.match(userOf(weaver2[1]!), new RegExp(`Your previous draft:\\nMira climbed the blue lighthouse in the dark\\.\\n\\nNotes from the Canonist:\\n- ${NOTE}`));
    // Shared context: chapter 2's Weaver read chapter 1's summary and the fact it established; the Canonist read the canon.
    assert.match(userOf(weaver2[0]!), new RegExp(`Chapter 1 \\(The Map\\): Summary of chapter 1 \\(${tag}\\)\\. Established: Mira found a brass key\\.`));
    assert.doesNotMatch(userOf(weaver2[0]!), /Chapter 3 \(/);
    assert.ok(
      server
        .chatRequests()
        .filter((r) => persona(r) === 'Canonist')
        .every((r) => userOf(r).includes(RED)),
    );

    // The task-run list reads as the team's work, with the Canonist's checks as subflows.
    const runs = await w.client.flowRuns.taskRuns(run.id);
    const names = runs.map((r) => `${r.kind}:${r.runName ?? r.name}`);
    assert.deepEqual(names.slice(0, 3), ['task:director', 'task:librarian-plan', 'task:librarian-canon']);
    // Run in parallel, the Tactician's runs are listed in the order they happened to run.
    assert.deepEqual(names.slice(3, 6).sort(), ['task:chapter-1-tactician', 'task:chapter-2-tactician', 'task:chapter-3-tactician']);
    assert.deepEqual(names.slice(6), [
      'task:chapter-1-librarian',
      'task:chapter-1-weaver',
      'subflow:chapter-1-canonist',
      'task:chapter-1-librarian-record',
      'task:chapter-2-librarian',
      'task:chapter-2-weaver',
      'subflow:chapter-2-canonist',
      'task:chapter-2-weaver-draft-2',
      'subflow:chapter-2-canonist-draft-2',
      'task:chapter-2-librarian-record',
      'task:chapter-3-librarian',
      'task:chapter-3-weaver',
      'subflow:chapter-3-canonist',
      'task:chapter-3-librarian-record',
      `task:publish-${book}`,
    ]);
    assert.ok(runs.every((r) => r.state === 'Completed'));
    // The Tactician's three runs were started together: one workflow task scheduled them all.
    const events = (await w.client.temporal.workflow.getHandle(run.id).fetchHistory()).events ?? [];
    const tacticianBatches = new Set(
      events
        .map((e) => e.activityTaskScheduledEventAttributes)
        .filter((a) => a?.activityType?.name === 'narrative.tactician')
        .map((a) => String(a!.workflowTaskCompletedEventId)),
    );
    assert.equal(tacticianBatches.size, 1);
    // Tokens are shown on the LLM task runs, the example's own included (the scripted server counts 11 + 7).
    assert.equal(runs.find((r) => r.runName === 'chapter-2-tactician')!.usage?.totalTokens, 18);
    // Inside a Canonist subflow: it read the canon itself, then judged.
    const gate = runs.find((r) => r.runName === 'chapter-2-canonist')!;
    assert.deepEqual(
      (await w.client.flowRuns.taskRuns(gate.id)).map((r) => r.runName),
      ['chapter-2-librarian', 'chapter-2-canonist'],
    );

    // The stream: the Weaver's words on each chapter's topic as it wrote them, and the yielded chapters.
    const chunks = (topic: string) =>
      items
        .filter((i) => i.kind === 'item' && i.topic === topic)
        .map((i) => i.value as string)
        .join('');
    assert.equal(chunks('chapter-1'), 'Chapter 1 prose: Mira and Tobias in Wrenhaven.');
    assert.equal(chunks('chapter-2'), 'Mira climbed the blue lighthouse in the dark.Mira climbed the red lighthouse in the dark.');
    assert.ok(items.filter((i) => i.topic === 'chapter-1').length >= 7, 'word by word, not at once');
    assert.deepEqual(
      items.filter((i) => i.topic === 'default').map((i) => [(i.value as Chapter).number, (i.value as Chapter).text]),
      result.chapters.map((c) => [c.number, c.text]),
    );
    assert.deepEqual(
      items
        .filter((i) => i.topic === 'canonist')
        .map((i) => i.value as { chapter: number; draft: number; consistent: boolean })
        .map((v) => [v.chapter, v.draft, v.consistent]),
      [
        [1, 1, true],
        [2, 1, false],
        [2, 2, true],
        [3, 1, true],
      ],
    );
    // Chapter 2's text comes before the chapter itself is yielded.
    const lastChunk = Math.max(...items.filter((i) => i.topic === 'chapter-2').map((i) => i.seq));
    const yielded2 = items.find((i) => i.topic === 'default' && (i.value as Chapter).number === 2)!.seq;
    assert.ok(lastChunk < yielded2);

    // What the Librarian kept, read back from the memory server's file by a client of its own.
    const graph = await readGraph(memoryFile);
    const entity = (name: string) => graph.entities.find((e) => e.name === name);
    assert.deepEqual(entity(book)?.observations, [`title: The Red Lighthouse ${tag}`, `premise: ${premise}`]);
    assert.deepEqual(entity(`${book}: Mira`), { name: `${book}: Mira`, entityType: 'character', observations: ["the keeper's daughter"] });
    assert.deepEqual(entity(`${book}: canon`)?.observations, [RED, `The town is called Wrenhaven-${tag}.`]);
    assert.deepEqual(entity(`${book}: chapter 1`)?.observations, ['title: The Map', `summary: Summary of chapter 1 (${tag}).`, 'fact: Mira found a brass key.']);
    assert.deepEqual(entity(`${book}: chapter 2`)?.observations, ['title: The Climb', `summary: Summary of chapter 2 (${tag}).`]);
    assert.ok(entity(`${book}: chapter 3`));
    assert.ok(graph.relations.some((r) => JSON.stringify(r) === JSON.stringify({ from: `${book}: chapter 2`, to: book, relationType: 'part of' })));
  });

  test('the same premise again: the beats come from the cache; with no revisions allowed the editor sees the open notes', { timeout: 120_000 }, async () => {
    assert.ok(firstRunId, 'the first run completed');
    const before = server.chatRequests().length;
    const run = await w.client.flowRuns.start('narrative', { premise, chapters: 3, maxRevisions: 0 });
    const pending = await eventually(async () => (await w.client.approvals.list({ flow: 'narrative' })).approvals.find((a) => a.flowRunId === run.id), 60_000);
    assert.match(pending.description ?? '', /The Canonist still has notes on chapter 2\./);
    await w.client.approvals.decide(run.id, 'publish', { decision: 'reject', comment: 'Fix the tower first.' }, 'ada');
    const result = (await run.result()) as BookResult & { comment?: string };
    assert.equal(result.published, null);
    assert.equal(result.comment, 'Fix the tower first.');
    assert.deepEqual(
      result.chapters.map((c) => [c.number, c.drafts, c.canonApproved, c.openNotes]),
      [
        [1, 1, true, []],
        [2, 1, false, [NOTE]],
        [3, 1, true, []],
      ],
    );
    const runs = await w.client.flowRuns.taskRuns(run.id);
    const tacticians = runs.filter((r) => /^chapter-\d-tactician$/.test(r.runName ?? '')).sort((a, b) => a.runName!.localeCompare(b.runName!));
    assert.deepEqual(
      tacticians.map((r) => [r.runName, r.state]),
      [
        ['chapter-1-tactician', 'Cached'],
        ['chapter-2-tactician', 'Cached'],
        ['chapter-3-tactician', 'Cached'],
      ],
    );
    // The cache hit asked no model; the gate ran once for chapter 2 (maxRevisions 0).
    const asked = server.chatRequests().slice(before);
    assert.deepEqual(
      ['Director', 'Tactician', 'Weaver', 'Canonist'].map((p) => asked.filter((r) => persona(r) === p).length),
      [1, 0, 3, 3],
    );
    assert.deepEqual(
      runs.filter((r) => r.kind === 'subflow').map((r) => r.runName),
      ['chapter-1-canonist', 'chapter-2-canonist', 'chapter-3-canonist'],
    );
    assert.ok(!runs.some((r) => r.name === 'narrative.publish'), 'a rejected book is not published');
  });

  test("the example's baton.yaml: a memory MCP server and a cron deployment that Baton accepts", { timeout: 60_000 }, async () => {
    const file = path.join(EXAMPLE, 'baton.yaml');
    const { servers } = loadMcpServers({ BATON_MCP_FILE: file, BATON_MCP_SERVERS: undefined });
    assert.deepEqual(Object.keys(servers), ['memory']);
    assert.match(JSON.stringify(servers.memory), /@modelcontextprotocol\/server-memory/);
    const entries = readDeployFile(file).map(parseDeployment);
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry!.flow, 'narrative');
    assert.ok((entry!.schedules ?? []).some((s) => 'cron' in s));
    const name = uid('narrative-weekly');
    try {
      const { deployment } = await w.client.deployments.apply({ ...entry!, name });
      assert.equal(deployment.flow, 'narrative');
      assert.ok(deployment.nextRunTimes.length > 0);
      assert.equal((deployment.parameters as { memoryServer: string }).memoryServer, 'memory');
    } finally {
      await w.client.deployments.delete(name).catch(() => undefined);
    }
  });
});
