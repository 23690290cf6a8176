import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { mcpHealthProbe, type McpHealthProbe } from '../src/mcp/mcp-health';
import { startTestApi, type TestApi } from './api-helpers';
import { ROOT, startWorker, type TestWorker } from './helpers';
import { startHttpEverything } from './mcp-http-server';

// GET /api/health names every declared MCP server: HTTP ones asked within a second, stdio ones
// (which only workers start) named without starting one.
describe('MCP servers in the API health', { timeout: 90_000 }, () => {
  let w: TestWorker;
  let http: { child: ChildProcess; url: string };
  let probe: McpHealthProbe;
  let api: TestApi;
  before(async () => {
    w = await startWorker();
    http = await startHttpEverything();
    // A port nothing listens on: an HTTP server that is gone.
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    probe = mcpHealthProbe(
      {
        servers: {
          everything: { command: path.join(ROOT, 'node_modules', '.bin', 'mcp-server-everything'), args: [], env: {} },
          web: { url: http.url, headers: {} },
          gone: { url: `http://127.0.0.1:${closed}/mcp`, headers: {} },
        } as never,
        sources: { everything: 'BATON_MCP_SERVERS', web: 'BATON_MCP_SERVERS', gone: 'baton.yaml' },
      },
      pino({ level: 'silent' }),
    );
    api = await startTestApi(w.client, undefined, { mcp: probe });
  });
  after(async () => {
    await api?.close();
    await probe?.close();
    http?.child.kill('SIGKILL');
    await w?.stop();
  });

  test('an HTTP server that answers, one that is gone, and a stdio server named without being started', async () => {
    const started = Date.now();
    const health = await api.call('GET', '/api/health');
    assert.ok(Date.now() - started < 5_000, `health answered after ${Date.now() - started} ms`);
    // The API serves, runs go on: degraded with 200.
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'degraded');
    assert.deepEqual(health.body.mcp, [
      { name: 'everything', transport: 'stdio', source: 'BATON_MCP_SERVERS', reachable: null },
      { name: 'gone', transport: 'http', source: 'baton.yaml', reachable: false },
      { name: 'web', transport: 'http', source: 'BATON_MCP_SERVERS', reachable: true },
    ]);
  });
});
