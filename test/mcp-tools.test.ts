/**
 * MCP tools as task runs, against the reference MCP servers from node_modules (never a fake one):
 * server-everything over stdio and over streamable HTTP, server-filesystem, server-memory.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { FIXTURES, ROOT, eventually, startWorker, tempDir, type TestWorker } from './helpers';
import { startHttpEverything } from './mcp-http-server';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

const MCP_FIXTURES = path.join(FIXTURES, 'mcp');
const BIN = path.join(ROOT, 'node_modules', '.bin');
/** Only this test run knows it: finding it anywhere but the server's own environment is a leak. */
const SECRET = `mcp-secret-${randomUUID()}`;

interface LogLine {
  msg: string;
  mcpServer?: string;
  serverPid?: number;
  stream?: string;
  [field: string]: unknown;
}

/** server-everything in its streamable HTTP mode, bound to loopback. */
describe('MCP tools as task runs', { timeout: 300_000 }, () => {
  let bed: TestWorker;
  let http: { child: ChildProcess; url: string };
  const dir = tempDir();
  const lines: string[] = [];
  const saved = { servers: process.env.BATON_MCP_SERVERS, secret: process.env.MCP_TEST_SECRET };

  const logs = (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);
  const connected = (server: string) => logs().filter((l) => l.mcpServer === server && l.msg === `MCP server '${server}' connected`);
  const events = async (flowRunId: string): Promise<HistoryEvent[]> => (await bed.client.temporal.workflow.getHandle(flowRunId).fetchHistory()).events ?? [];
  /** The whole history as text, payloads decoded, so a value in any of them can be found. */
  const historyText = async (flowRunId: string): Promise<string> =>
    JSON.stringify(await events(flowRunId), (key, value: unknown) =>
      key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
    );
  type ToolOutcome =
    | { ok: true; value: { content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown>; isError: boolean }; text: string }
    | { ok: false; name: string; errorName: string; message: string; isNonRetryable: boolean };
  const runTool = async (input: Record<string, unknown>) => {
    const handle = await bed.client.flowRuns.start('mcp-tool', input);
    return { id: handle.id, out: (await handle.result()) as ToolOutcome };
  };

  before(async () => {
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'Baton runs MCP tools as task runs.\n');
    http = await startHttpEverything();
    process.env.MCP_TEST_SECRET = SECRET;
    process.env.BATON_MCP_SERVERS = JSON.stringify({
      everything: { command: path.join(BIN, 'mcp-server-everything'), env: { BATON_TEST_TOKEN: '${MCP_TEST_SECRET}' } },
      slow: { command: path.join(BIN, 'mcp-server-everything') },
      files: { command: path.join(BIN, 'mcp-server-filesystem'), args: [dir] },
      memory: { command: path.join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: path.join(dir, 'memory.jsonl') } },
      'everything-http': { url: http.url },
      'needs-token': { command: path.join(BIN, 'mcp-server-everything'), env: { TOKEN: '${BATON_MCP_TEST_UNSET}' } },
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    bed = await startWorker({ flows: MCP_FIXTURES, logger: pino({ level: 'debug' }, sink) });
  });

  after(async () => {
    try {
      await bed?.stop();
    } finally {
      http?.child.kill('SIGKILL');
      process.env.BATON_MCP_SERVERS = saved.servers;
      if (saved.secret === undefined) delete process.env.MCP_TEST_SECRET;
      else process.env.MCP_TEST_SECRET = saved.secret;
      if (saved.servers === undefined) delete process.env.BATON_MCP_SERVERS;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stdio, server-everything: echo and get-sum return the tool result; the task run is named after the tool', { timeout: 60_000 }, async () => {
    const echo = await runTool({ server: 'everything', tool: 'echo', args: { message: 'hello from a flow' } });
    assert.deepEqual(echo.out, { ok: true, value: { content: [{ type: 'text', text: 'Echo: hello from a flow' }], isError: false }, text: 'Echo: hello from a flow' });
    const sum = await runTool({ server: 'everything', tool: 'get-sum', args: { a: 2, b: 40 } });
    assert.equal(sum.out.ok && sum.out.text, 'The sum of 2 and 40 is 42.');
    const structured = await runTool({ server: 'everything', tool: 'get-structured-content', args: { location: 'Chicago' } });
    assert.ok(structured.out.ok);
    assert.equal(typeof structured.out.value.structuredContent?.temperature, 'number');
    const [run] = await bed.client.flowRuns.taskRuns(sum.id);
    assert.equal(run?.name, 'mcp.call');
    assert.equal(run?.runName, 'tool: get-sum');
    assert.equal(run?.state, 'Completed');
  });

  test('a tool result with isError fails the task run at once with McpToolError; onToolError "return" hands it back', { timeout: 60_000 }, async () => {
    const bad = await runTool({ server: 'everything', tool: 'get-sum', args: { a: 'two', b: 3 } });
    assert.equal(bad.out.ok, false);
    assert.ok(!bad.out.ok);
    assert.equal(bad.out.errorName, 'McpToolError');
    assert.match(bad.out.message, /^tool 'get-sum' on MCP server 'everything' reported an error: .*Input validation error/);
    const [run] = await bed.client.flowRuns.taskRuns(bad.id);
    assert.equal(run?.state, 'Failed');
    assert.equal(run?.attempts, 1);

    const returned = await runTool({ server: 'everything', tool: 'get-sum', args: { a: 'two', b: 3 }, options: { onToolError: 'return' } });
    assert.ok(returned.out.ok);
    assert.equal(returned.out.value.isError, true);
    assert.match(returned.out.text, /Input validation error/);

    const retried = await runTool({ server: 'everything', tool: 'get-sum', args: { a: 'two', b: 3 }, options: { onToolError: 'retry' } });
    assert.ok(!retried.out.ok);
    const [retriedRun] = await bed.client.flowRuns.taskRuns(retried.id);
    assert.equal(retriedRun?.attempts, 4, 'mcp.call retries 3 times when asked');

    const unknown = await runTool({ server: 'nowhere', tool: 'echo', args: {} });
    assert.ok(!unknown.out.ok);
    assert.equal(unknown.out.isNonRetryable, true);
    assert.match(unknown.out.message, /^no MCP server 'nowhere' is declared on this worker .*declared: everything, slow, files, memory, everything-http, needs-token$/);
  });

  test('server-filesystem: reading a file in a temp folder gives its text, also from a task of the user’s own', { timeout: 60_000 }, async () => {
    const file = path.join(dir, 'notes.txt');
    const read = await runTool({ server: 'files', tool: 'read_text_file', args: { path: file } });
    assert.ok(read.out.ok);
    assert.equal(read.out.text, fs.readFileSync(file, 'utf8'));
    const outside = await runTool({ server: 'files', tool: 'read_text_file', args: { path: '/etc/hostname' } });
    assert.ok(!outside.out.ok);
    assert.match(outside.out.message, /Access denied - path outside allowed directories/);
    assert.equal(await bed.client.flowRuns.run('mcp-own-task', { path: file }), fs.readFileSync(file, 'utf8'));
  });

  test('server-memory: entities created by one task run are read back by the next, from the same server process', { timeout: 60_000 }, async () => {
    const entity = `Ada-${randomUUID().slice(0, 6)}`;
    const graph = (await bed.client.flowRuns.run('mcp-memory', { entity })) as { entities: { name: string; observations: string[] }[] };
    assert.deepEqual(
      graph.entities.find((e) => e.name === entity),
      { name: entity, entityType: 'person', observations: ['likes durable workflows'] },
    );
    assert.equal(connected('memory').length, 1, 'one connection served both task runs');
  });

  test('streamable HTTP: server-everything on a loopback port answers tool calls and the tool list', { timeout: 60_000 }, async () => {
    const echo = await runTool({ server: 'everything-http', tool: 'echo', args: { message: 'over http' } });
    assert.ok(echo.out.ok, JSON.stringify(echo.out));
    assert.equal(echo.out.text, 'Echo: over http');
    const tools = (await bed.client.flowRuns.run('mcp-list', { server: 'everything-http' })) as {
      name: string;
      inputSchema: { properties?: Record<string, unknown> };
    }[];
    const sum = tools.find((t) => t.name === 'get-sum');
    assert.deepEqual(Object.keys(sum?.inputSchema.properties ?? {}), ['a', 'b']);
    assert.equal(connected('everything-http')[0]?.transport, 'http');
  });

  test('a stdio server killed with SIGKILL between calls is restarted by the next call, which succeeds at once', { timeout: 60_000 }, async () => {
    await runTool({ server: 'everything', tool: 'echo', args: { message: 'before the kill' } });
    const before = connected('everything');
    const pid = before.at(-1)?.serverPid;
    assert.ok(pid, 'the connection line names the server process');
    process.kill(pid, 'SIGKILL');
    await eventually(() => logs().some((l) => l.mcpServer === 'everything' && l.serverPid === pid && /closed the connection/.test(l.msg)), 10_000);
    const after = await runTool({ server: 'everything', tool: 'echo', args: { message: 'after the kill' } });
    assert.ok(after.out.ok);
    assert.equal(after.out.text, 'Echo: after the kill');
    const [run] = await bed.client.flowRuns.taskRuns(after.id);
    assert.equal(run?.attempts, 1);
    const now = connected('everything');
    assert.equal(now.length, before.length + 1);
    assert.notEqual(now.at(-1)?.serverPid, pid);
  });

  test('a call in flight when its server dies fails with McpTransportError and is retried on a restarted server', { timeout: 90_000 }, async () => {
    const handle = await bed.client.flowRuns.start('mcp-tool', { server: 'slow', tool: 'trigger-long-running-operation', args: { duration: 6, steps: 6 } });
    const first = await eventually(() => connected('slow')[0]);
    // The operation takes 6 s: the kill lands while the call waits for its answer, on a slow machine too.
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(first.serverPid!, 'SIGKILL');
    const out = (await handle.result()) as ToolOutcome;
    assert.ok(out.ok, JSON.stringify(out));
    assert.match(out.text, /Long running operation completed/);
    const [run] = await bed.client.flowRuns.taskRuns(handle.id);
    assert.equal(run?.attempts, 2);
    const started = (await events(handle.id)).find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    const lastFailure = started?.activityTaskStartedEventAttributes?.lastFailure;
    assert.equal(lastFailure?.applicationFailureInfo?.type, 'McpTransportError');
    assert.match(lastFailure?.message ?? '', /^MCP server 'slow' closed the connection during tool 'trigger-long-running-operation'/);
    const pids = connected('slow').map((l) => l.serverPid);
    assert.equal(pids.length, 2);
    assert.notEqual(pids[0], pids[1]);
  });

  test("a server's stderr reaches the worker log, a line per line, with the server's name", { timeout: 30_000 }, async () => {
    await eventually(() => logs().find((l) => l.mcpServer === 'memory' && l.stream === 'stderr' && l.msg === 'Knowledge Graph MCP Server running on stdio'));
    const everything = logs().filter((l) => l.mcpServer === 'everything' && l.stream === 'stderr');
    assert.ok(everything.some((l) => l.msg === 'Starting default (STDIO) server...'));
    assert.ok(everything.every((l) => !l.msg.includes('\n')));
  });

  test('a cached call of a read-only tool runs once and then reads Cached; a tool not marked read-only is refused', { timeout: 60_000 }, async () => {
    const message = `cache me ${randomUUID()}`;
    const first = await runTool({ server: 'everything', tool: 'echo', args: { message }, cache: true });
    const second = await runTool({ server: 'everything', tool: 'echo', args: { message }, cache: true });
    assert.ok(first.out.ok && second.out.ok);
    assert.equal(second.out.text, `Echo: ${message}`);
    assert.equal((await bed.client.flowRuns.taskRuns(first.id))[0]?.state, 'Completed');
    assert.equal((await bed.client.flowRuns.taskRuns(second.id))[0]?.state, 'Cached');
    const scheduled = (await events(second.id)).filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    assert.equal(scheduled.length, 0, 'a hit schedules no task');

    const refused = await runTool({ server: 'everything', tool: 'toggle-simulated-logging', args: {}, cache: true });
    assert.ok(!refused.out.ok);
    assert.equal(refused.out.isNonRetryable, true);
    assert.match(refused.out.message, /^tool 'toggle-simulated-logging' on MCP server 'everything' is not marked read-only/);
  });

  test('a ${VAR} that is not set on the worker fails the call at once, naming the server, field and variable', { timeout: 30_000 }, async () => {
    delete process.env.BATON_MCP_TEST_UNSET;
    const out = await runTool({ server: 'needs-token', tool: 'echo', args: { message: 'hi' } });
    assert.ok(!out.out.ok);
    assert.equal(out.out.isNonRetryable, true);
    assert.equal(out.out.message, "invalid configuration: MCP server 'needs-token': env.TOKEN refers to ${BATON_MCP_TEST_UNSET}, which is not set on the worker");
    assert.equal(connected('needs-token').length, 0, 'the server was not started');
  });

  test('a secret in env reaches the server, and is in no history, log line or result', { timeout: 60_000 }, async () => {
    const env = await runTool({ server: 'everything', tool: 'get-env', args: {} });
    assert.ok(env.out.ok);
    const printed = JSON.parse(env.out.text) as Record<string, string>;
    // The server has the variable, its value cut out of what came back.
    assert.equal(printed.BATON_TEST_TOKEN, '[redacted]');
    assert.ok(!JSON.stringify(env.out).includes(SECRET));
    for (const id of [env.id]) assert.ok(!(await historyText(id)).includes(SECRET), 'the secret is in a history');
    assert.ok(lines.length > 0);
    assert.ok(!lines.some((l) => l.includes(SECRET)), 'the secret is in a log line');
  });
});
