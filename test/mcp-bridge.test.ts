/**
 * `baton mcp bridge`: a declared stdio MCP server (the real npm servers) served over streamable
 * HTTP: tools, resources and prompts forwarded; one child shared by every client; `${VAR}`
 * secrets cut out of answers; a token required beyond loopback and checked when set; other sites
 * refused; a server that cannot start reported by /health and answered 503; CLI mistakes named.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pino from 'pino';
import { McpBridgeConfigError, startMcpBridge, type McpBridge } from '../src/mcp/mcp-bridge';
import { eventually, ROOT, tempDir } from './helpers';

const BIN = path.join(ROOT, 'node_modules', '.bin');
const TIMEOUT = { timeout: 60_000 };
const quiet = pino({ level: 'silent' });

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'bridge-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }), { timeout: 20_000 });
  return client;
}

const textOf = (result: unknown) => ((result as { content: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');

/** `baton ...` as a child process; killed if it has not exited within `timeoutMs`. */
function baton(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: tempDir(), env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal === 'SIGTERM' ? 143 : 128));
    }),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

describe('baton mcp bridge', { timeout: 180_000 }, () => {
  const bridges: McpBridge[] = [];
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const b of bridges) await b.close().catch(() => undefined);
  });
  const bridge = async (...args: Parameters<typeof startMcpBridge>) => {
    const b = await startMcpBridge(...args);
    bridges.push(b);
    return b;
  };
  const client = async (url: string, headers?: Record<string, string>) => {
    const c = await connect(url, headers);
    clients.push(c);
    return c;
  };

  test('the CLI serves server-memory at /mcp: /health, tools listed and called, one child shared by two clients, stopped by SIGTERM', TIMEOUT, async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const servers = { memory: { command: path.join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: path.join(tempDir(), 'memory.jsonl') } } };
    const cli = baton(['mcp', 'bridge', 'memory', '--port', String(port)], {
      BATON_MCP_SERVERS: JSON.stringify(servers),
      BATON_MCP_BRIDGE_TOKEN: '',
      BATON_LOG_LEVEL: 'info',
    });
    try {
      const health = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return res?.status === 200 ? ((await res.json()) as { server: string; tools: number; connects: number }) : undefined;
      }, 30_000);
      assert.equal(health.server, 'memory');
      assert.ok(health.tools >= 5, JSON.stringify(health));
      const url = `http://127.0.0.1:${port}/mcp`;
      const one = await client(url);
      const tools = (await one.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes('create_entities') && tools.includes('read_graph'), tools.join(', '));
      const entity = `bridge-${randomUUID()}`;
      await one.callTool({ name: 'create_entities', arguments: { entities: [{ name: entity, entityType: 'test', observations: ['seen through the bridge'] }] } });
      // Another client reads what the first wrote: both reached the same server.
      const two = await client(url);
      assert.match(textOf(await two.callTool({ name: 'read_graph', arguments: {} })), new RegExp(entity));
      // A worker's view of it: `baton mcp tools` with the server declared by URL.
      const listed = baton(['mcp', 'tools', 'memory', '--json'], { BATON_MCP_SERVERS: JSON.stringify({ memory: { url } }) });
      assert.equal(await listed.exited, 0, listed.stderr());
      assert.ok((JSON.parse(listed.stdout()) as { name: string }[]).some((t) => t.name === 'create_entities'));
      assert.equal(((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { connects: number }).connects, 1, 'one child served everyone');
      assert.equal((await fetch(url, { method: 'GET' })).status, 405);
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await cli.exited, 0, cli.stderr());
    assert.match(cli.stdout() + cli.stderr(), new RegExp(`MCP server 'memory' bridged to http://127.0.0.1:${port}/mcp`));
  });

  test('resources and prompts are forwarded; a ${VAR} secret reaches the server and is cut out of every answer', TIMEOUT, async () => {
    const secret = `s3cret-${randomUUID()}`;
    const b = await bridge({
      name: 'everything',
      config: { command: path.join(BIN, 'mcp-server-everything'), args: [], env: { BRIDGE_TEST_SECRET: '${BRIDGE_TEST_SECRET_SOURCE}' } },
      host: '127.0.0.1',
      port: 0,
      logger: quiet,
      env: { ...process.env, BRIDGE_TEST_SECRET_SOURCE: secret },
    });
    const c = await client(b.url);
    assert.ok((await c.listTools()).tools.some((t) => t.name === 'get-env'));
    const env = textOf(await c.callTool({ name: 'get-env', arguments: {} }));
    assert.match(env, /BRIDGE_TEST_SECRET/);
    assert.ok(!env.includes(secret), 'the secret left the bridge');
    assert.match(env, /\[redacted\]/);
    const resources = await c.listResources();
    assert.ok(resources.resources.length > 0);
    const read = await c.readResource({ uri: resources.resources[0]!.uri });
    assert.ok(read.contents.length > 0);
    const prompts = await c.listPrompts();
    assert.ok(prompts.prompts.length > 0);
    const simple = prompts.prompts.find((p) => !p.arguments?.some((a) => a.required));
    assert.ok(simple, 'a prompt without required arguments');
    assert.ok((await c.getPrompt({ name: simple.name })).messages.length > 0);
    // An unknown tool is the server's own error, passed on as such.
    const unknown = await c.callTool({ name: 'no-such-tool', arguments: {} }).catch((err: Error) => err);
    assert.match(unknown instanceof Error ? unknown.message : textOf(unknown), /no-such-tool/);
  });

  test('a token: required beyond loopback, and when set every /mcp request needs it', TIMEOUT, async () => {
    const config = { command: path.join(BIN, 'mcp-server-memory'), args: [], env: { MEMORY_FILE_PATH: path.join(tempDir(), 'memory.jsonl') } };
    await assert.rejects(startMcpBridge({ name: 'memory', config, host: '0.0.0.0', port: 0, logger: quiet }), (err: Error) => {
      assert.ok(err instanceof McpBridgeConfigError);
      assert.match(err.message, /refusing to serve MCP server 'memory' on 0\.0\.0\.0 without a token: set BATON_MCP_BRIDGE_TOKEN/);
      return true;
    });
    const token = `tok-${randomUUID()}`;
    const b = await bridge({ name: 'memory', config, host: '127.0.0.1', port: 0, token, logger: quiet });
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(b.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(initialize),
      });
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: token }] as Record<string, string>[]) {
      const res = await post(headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.deepEqual(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    }
    assert.equal((await post({ authorization: `Bearer ${token}` })).status, 200);
    const c = await client(b.url, { authorization: `Bearer ${token}` });
    assert.ok((await c.listTools()).tools.length > 0);
  });

  test('keyless on loopback: another site (Origin) or a foreign Host is refused 403; a body that is not JSON 415', TIMEOUT, async () => {
    const config = { command: path.join(BIN, 'mcp-server-memory'), args: [], env: { MEMORY_FILE_PATH: path.join(tempDir(), 'memory.jsonl') } };
    const b = await bridge({ name: 'memory', config, host: '127.0.0.1', port: 0, logger: quiet });
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const foreign = await fetch(b.url, { method: 'POST', headers: { ...json, origin: 'http://evil.example' }, body });
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'FOREIGN_ORIGIN');
    const form = await fetch(b.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    assert.equal(form.status, 415);
    // A DNS-rebound page: the request reaches loopback but names the attacker's host.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request(b.url, { method: 'POST', headers: { ...json, host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(rebound, 403);
  });

  test('a server that cannot start: /health 503 with the reason, /mcp 503 MCP_SERVER_UNAVAILABLE, fast', TIMEOUT, async () => {
    const b = await bridge({
      name: 'ghost',
      config: { command: path.join(tempDir(), 'no-such-server'), args: [], env: {} },
      host: '127.0.0.1',
      port: 0,
      logger: quiet,
    });
    const started = Date.now();
    const health = await fetch(b.url.replace('/mcp', '/health'));
    assert.equal(health.status, 503);
    assert.match(((await health.json()) as { reason: string }).reason, /cannot start MCP server 'ghost': command '.*no-such-server' was not found/);
    const res = await fetch(b.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'MCP_SERVER_UNAVAILABLE');
    assert.ok(Date.now() - started < 10_000);
  });

  test('CLI mistakes are named: an undeclared server, a server reached by URL, a bad port; exit 2', TIMEOUT, async () => {
    const servers = JSON.stringify({ memory: { command: path.join(BIN, 'mcp-server-memory') }, remote: { url: 'http://127.0.0.1:9/mcp' } });
    const cases: [string[], RegExp][] = [
      [['mcp', 'bridge', 'nope'], /no MCP server named 'nope' is declared \(declared: memory, remote\)/],
      [['mcp', 'bridge', 'remote'], /MCP server 'remote' is reached by URL already \(http:\/\/127\.0\.0\.1:9\/mcp\): only a server with a command is bridged/],
      [['mcp', 'bridge', 'memory', '--port', 'eighty'], /--port \(or BATON_MCP_BRIDGE_PORT\) must be a port number \(0-65535\), got 'eighty'/],
      [['mcp', 'bridge'], /missing <server>/],
    ];
    for (const [args, message] of cases) {
      const run = baton(args, { BATON_MCP_SERVERS: servers });
      assert.equal(await run.exited, 2, `${args.join(' ')}: ${run.stderr()}`);
      assert.match(run.stderr(), message);
    }
    const open = baton(['mcp', 'bridge', 'memory', '--host', '0.0.0.0', '--port', '0'], { BATON_MCP_SERVERS: servers, BATON_MCP_BRIDGE_TOKEN: '' });
    assert.notEqual(await open.exited, 0);
    assert.match(open.stderr(), /refusing to serve MCP server 'memory' on 0\.0\.0\.0 without a token/);
  });
});
