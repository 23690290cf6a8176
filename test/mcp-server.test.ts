import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, type TestWorker } from './helpers';

const ADMIN = 'mcp-admin-0123456789abcdef';
const READER = 'mcp-reader-0123456789abcdef';
const TIMEOUT = { timeout: 60_000 };

/** An MCP client of the API's `/mcp`, with a key. */
async function mcpClient(base: string, key: string): Promise<Client> {
  const client = new Client({ name: 'baton-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('Baton as an MCP server', { timeout: 180_000 }, () => {
  let w: TestWorker;
  let streams: TestWorker;
  let api: TestApi;
  let admin: Client;
  let reader: Client;
  before(async () => {
    w = await startWorker();
    streams = await startWorker({ flows: path.join(FIXTURES, 'streams') });
    api = await startTestApi(w.client, `ops:admin:${ADMIN},dash:read:${READER}`);
    admin = await mcpClient(api.base, ADMIN);
    reader = await mcpClient(api.base, READER);
  });
  after(async () => {
    await admin?.close();
    await reader?.close();
    await api?.close();
    await streams?.stop();
    await w?.stop();
  });

  test('an admin key is offered every tool; a read key the reading ones only', TIMEOUT, async () => {
    const names = (await admin.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'cancel_flow_run',
      'decide_approval',
      'get_flow_run',
      'list_approvals',
      'list_deployments',
      'list_flow_runs',
      'list_flows',
      'read_stream',
      'run_deployment',
      'run_flow',
    ]);
    const readable = (await reader.listTools()).tools;
    assert.deepEqual(readable.map((t) => t.name).sort(), ['get_flow_run', 'list_approvals', 'list_deployments', 'list_flow_runs', 'list_flows', 'read_stream']);
    assert.ok(readable.every((t) => t.annotations?.readOnlyHint === true));
    const refused = await call(reader, 'run_flow', { name: 'hello', parameters: { name: 'x' } });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /run_flow not found/);
  });

  test('list_flows, then run_flow with checked parameters, then get_flow_run reads the result', TIMEOUT, async () => {
    const flows = (await call(admin, 'list_flows')).structuredContent as { flows: { name: string; parameters: { required?: string[] } }[] };
    assert.deepEqual(flows.flows.find((f) => f.name === 'hello')?.parameters.required, ['name']);

    const bad = await call(admin, 'run_flow', { name: 'hello', parameters: { name: '' } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /^PARAMETER_VALIDATION: .*name/);
    const unknown = await call(admin, 'run_flow', { name: 'no-such-flow', parameters: {} });
    assert.match(text(unknown), /^NOT_FOUND: no flow named 'no-such-flow'/);

    const started = (await call(admin, 'run_flow', { name: 'hello', parameters: { name: 'Ada' } })).structuredContent as { id: string; runName: string };
    assert.equal(started.runName, 'hello-Ada');
    const run = await eventually(async () => {
      const r = (await call(admin, 'get_flow_run', { id: started.id })).structuredContent as { state: string; result: unknown };
      return r.state === 'Completed' ? r : undefined;
    }, 30_000);
    assert.equal(run.result, 'hello Ada.');
    const listed = (await call(reader, 'list_flow_runs', { flow: 'hello', state: 'Completed' })).structuredContent as { flowRuns: { id: string }[] };
    assert.ok(listed.flowRuns.some((r) => r.id === started.id));
  });

  test('read_stream reads a run live from a place, waiting for new items when asked', TIMEOUT, async () => {
    const run = await streams.client.flowRuns.start('stream-chapters', { n: 3, pauseSeconds: 0.5 });
    const seen: number[] = [];
    let from = 0;
    for (let i = 0; i < 20 && seen.length < 3; i++) {
      const page = (await call(reader, 'read_stream', { id: run.id, from, waitSeconds: 5 })).structuredContent as {
        items: { seq: number; value: { chapter: number } }[];
        next: number;
        done: boolean;
      };
      seen.push(...page.items.map((item) => item.value.chapter));
      from = page.next;
      if (page.done) break;
    }
    assert.deepEqual(seen, [1, 2, 3]);
    const missing = await call(reader, 'read_stream', { id: 'no-such-run-mcp' });
    assert.match(text(missing), /^NOT_FOUND: no flow run with id 'no-such-run-mcp'/);
  });

  test('list_approvals, then decide_approval with typed input; a bad input is refused naming the field', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('approval-flow', { release: 'mcp-1' });
    await eventually(async () => {
      const list = (await call(reader, 'list_approvals', {})).structuredContent as { approvals: { flowRunId: string }[] };
      return list.approvals.some((a) => a.flowRunId === run.id) || undefined;
    }, 30_000);
    const bad = await call(admin, 'decide_approval', { flowRunId: run.id, key: 'ship', decision: 'approve', input: { reviewer: 'ada', priority: 9 } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /priority/);
    const decided = await call(admin, 'decide_approval', { flowRunId: run.id, key: 'ship', decision: 'approve', input: { reviewer: 'ada', priority: 2 } });
    assert.equal(decided.isError, undefined, text(decided));
    assert.equal((decided.structuredContent as { decidedBy: string }).decidedBy, 'ops');
    assert.equal(((await run.result()) as { shipped: boolean }).shipped, true);
  });

  test('the endpoint: no key is a 401, GET is a 405 naming POST, a foreign Origin is a 403', TIMEOUT, async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const anonymous = await fetch(`${api.base}/mcp`, { method: 'POST', headers, body: JSON.stringify(initialize) });
    assert.equal(anonymous.status, 401);
    const get = await fetch(`${api.base}/mcp`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const foreign = await fetch(`${api.base}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${ADMIN}`, origin: 'https://evil.example' },
      body: JSON.stringify(initialize),
    });
    assert.equal(foreign.status, 403);
  });

  test('baton mcp serve: the same tools over stdio, acting as the local user; --read-only offers the reading ones', TIMEOUT, async () => {
    const serve = (extra: string[]) =>
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(ROOT, 'bin', 'baton.js'), 'mcp', 'serve', '--flows', FIXTURES, '--task-queue', w.taskQueue, ...extra],
        cwd: ROOT,
        env: { ...(process.env as Record<string, string>) },
        stderr: 'inherit',
      });
    const local = new Client({ name: 'baton-test', version: '1.0.0' });
    await local.connect(serve([]));
    try {
      assert.equal((await local.listTools()).tools.length, 10);
      const started = (await call(local, 'run_flow', { name: 'hello', parameters: { name: 'Grace' } })).structuredContent as { id: string };
      const run = await eventually(async () => {
        const r = (await call(local, 'get_flow_run', { id: started.id })).structuredContent as { state: string; result: unknown };
        return r.state === 'Completed' ? r : undefined;
      }, 30_000);
      assert.equal(run.result, 'hello Grace.');
    } finally {
      await local.close();
    }
    const readOnly = new Client({ name: 'baton-test', version: '1.0.0' });
    await readOnly.connect(serve(['--read-only']));
    try {
      assert.deepEqual((await readOnly.listTools()).tools.map((t) => t.name).sort(), [
        'get_flow_run',
        'list_approvals',
        'list_deployments',
        'list_flow_runs',
        'list_flows',
        'read_stream',
      ]);
    } finally {
      await readOnly.close();
    }
  });

  test("MCP's own inspector CLI lists the tools and calls one over HTTP", TIMEOUT, async () => {
    const build = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');
    const args = [path.join(build, 'cli.js'), '--cli', `${api.base}/mcp`, '--transport', 'http', '--header', `Authorization: Bearer ${READER}`];
    // Run from its own folder: it finds its package.json relative to the working directory.
    const run = (extra: string[]) => promisify(execFile)(process.execPath, [...args, ...extra], { cwd: build, timeout: 30_000 });
    const listed = JSON.parse((await run(['--method', 'tools/list'])).stdout) as { tools: { name: string }[] };
    assert.ok(listed.tools.some((t) => t.name === 'list_flows'));
    const called = JSON.parse((await run(['--method', 'tools/call', '--tool-name', 'list_flows'])).stdout) as { structuredContent: { flows: { name: string }[] } };
    assert.ok(called.structuredContent.flows.some((f) => f.name === 'hello'));
  });
});
