/**
 * Declaring MCP servers: bad configuration fails at start with an error naming the server and the
 * field, baton.yaml's mcpServers section, and `baton mcp ls` / `baton mcp tools` against the real
 * reference servers from node_modules.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/core/errors';
import { loadMcpServers } from '../src/mcp/mcp-servers';
import { FIXTURES, ROOT, startWorker, tempDir } from './helpers';

const BIN = path.join(ROOT, 'node_modules', '.bin');

function baton(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], {
      cwd,
      env: { ...process.env, BATON_MCP_SERVERS: '', BATON_MCP_FILE: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const configError = (env: NodeJS.ProcessEnv): string => {
  try {
    loadMcpServers(loadConfig(env), dir);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('the configuration was accepted');
};

const dir = tempDir();
/** A baton.yaml in `dir` declaring a filesystem server and an HTTP server nobody listens for. */
function writeBatonYaml(): void {
  const yaml = [
    'mcpServers:',
    '  files:',
    `    command: ${path.join(BIN, 'mcp-server-filesystem')}`,
    `    args: [${dir}]`,
    '  search:',
    '    url: http://127.0.0.1:1/mcp',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'baton.yaml'), yaml);
}

describe('declaring MCP servers', { timeout: 120_000 }, () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('bad BATON_MCP_SERVERS: one error naming each server and field, never a value', { timeout: 10_000 }, () => {
    const servers = {
      empty: { command: '' },
      ftp: { url: 'ftp://127.0.0.1/mcp' },
      typo: { comand: 'npx' },
      both: { command: 'a', url: 'http://127.0.0.1/mcp' },
      numbers: { command: 'a', env: { TOKEN: 12345678 } },
      sse: { type: 'sse', url: 'http://127.0.0.1/sse' },
      extra: { command: 'a', autoStart: true },
    };
    assert.equal(
      configError({ BATON_MCP_SERVERS: JSON.stringify(servers) }),
      'invalid configuration: ' +
        [
          "server 'empty': command: must not be empty",
          "server 'ftp': url: must be an http(s) URL",
          "server 'typo': give either a command (stdio) or a url (streamable HTTP)",
          "server 'both': give either a command (stdio) or a url (streamable HTTP)",
          "server 'numbers': env.TOKEN: must be a string",
          "server 'sse': type: 'sse' is not supported: use the server's streamable HTTP endpoint (type 'http')",
          "server 'extra': autoStart: is not a field of an MCP server (command, args, env, cwd; or url, headers)",
        ]
          .map((m) => `BATON_MCP_SERVERS: ${m}`)
          .join('; '),
    );
    assert.equal(configError({ BATON_MCP_SERVERS: '{not json' }), 'invalid configuration: BATON_MCP_SERVERS: must be JSON: an object of MCP servers by name');
    assert.ok(!configError({ BATON_MCP_SERVERS: JSON.stringify({ numbers: { command: 'a', env: { TOKEN: 12345678 } } }) }).includes('12345678'));
  });

  test('a worker with a bad server fails to start, naming the server and field', { timeout: 30_000 }, async () => {
    const saved = process.env.BATON_MCP_SERVERS;
    process.env.BATON_MCP_SERVERS = JSON.stringify({ files: { command: 'npx', args: 'not-a-list' } });
    try {
      await assert.rejects(startWorker({ flows: path.join(FIXTURES, 'mcp') }), {
        name: 'ConfigError',
        message: "invalid configuration: BATON_MCP_SERVERS: server 'files': args: must be a list of strings",
      });
    } finally {
      if (saved === undefined) delete process.env.BATON_MCP_SERVERS;
      else process.env.BATON_MCP_SERVERS = saved;
    }
  });

  test('mcpServers in baton.yaml (or BATON_MCP_FILE) declares servers; the environment wins for a name in both', { timeout: 10_000 }, () => {
    writeBatonYaml();
    const declared = loadMcpServers(loadConfig({ BATON_MCP_SERVERS: JSON.stringify({ search: { url: 'http://127.0.0.1:2/mcp' } }) }), dir);
    assert.deepEqual(declared.sources, { files: 'baton.yaml', search: 'BATON_MCP_SERVERS' });
    assert.deepEqual(declared.servers.search, { url: 'http://127.0.0.1:2/mcp', headers: {} });

    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'mcpServers:\n  files:\n    command: npx\n    cwd: ""\n');
    assert.equal(configError({ BATON_MCP_FILE: 'bad.yaml' }), "invalid configuration: bad.yaml mcpServers: server 'files': cwd: must not be empty");
    assert.equal(configError({ BATON_MCP_FILE: 'missing.yaml' }), 'invalid configuration: BATON_MCP_FILE (missing.yaml): does not exist');
  });

  test('baton mcp ls: each server, its transport and whether it answers; exit 1 when one does not', { timeout: 60_000 }, async () => {
    const servers = {
      everything: { command: path.join(BIN, 'mcp-server-everything') },
      memory: { command: path.join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: path.join(dir, 'memory.jsonl') } },
      gone: { command: path.join(dir, 'no-such-server') },
    };
    writeBatonYaml();
    const out = await baton(['mcp', 'ls'], { BATON_MCP_SERVERS: JSON.stringify(servers) }, dir);
    assert.equal(out.code, 1, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+TRANSPORT\s+TARGET\s+SOURCE\s+STATUS$/);
    assert.match(lines[1]!, /^everything\s+stdio\s+\S+mcp-server-everything\s+BATON_MCP_SERVERS\s+answers \(13 tools, \d+ ms\)$/);
    assert.match(lines[2]!, /^files\s+stdio\s+\S+mcp-server-filesystem \S+\s+baton\.yaml\s+answers \(14 tools, \d+ ms\)$/);
    assert.match(
      lines[3]!,
      /^gone\s+stdio\s+\S+no-such-server\s+BATON_MCP_SERVERS\s+no answer: cannot start MCP server 'gone': command '\S+no-such-server' was not found$/,
    );
    assert.match(lines[4]!, /^memory\s+stdio\s+\S+mcp-server-memory\s+BATON_MCP_SERVERS\s+answers \(9 tools, \d+ ms\)$/);
    assert.match(lines[5]!, /^search\s+http\s+http:\/\/127\.0\.0\.1:1\/mcp\s+baton\.yaml\s+no answer: cannot connect to MCP server 'search' \(http\)/);

    const json = await baton(['mcp', 'ls', '--json'], { BATON_MCP_SERVERS: JSON.stringify({ everything: servers.everything }), BATON_MCP_FILE: '' }, ROOT);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { name: string; transport: string; answers: boolean; tools: number }[]).map(({ name, transport, answers, tools }) => ({
        name,
        transport,
        answers,
        tools,
      })),
      [{ name: 'everything', transport: 'stdio', answers: true, tools: 13 }],
    );
  });

  test('baton mcp tools everything: names, read-only, descriptions and a summary of the input schema', { timeout: 60_000 }, async () => {
    const env = { BATON_MCP_SERVERS: JSON.stringify({ everything: { command: path.join(BIN, 'mcp-server-everything') } }) };
    const out = await baton(['mcp', 'tools', 'everything'], env);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+READ-ONLY\s+DESCRIPTION\s+INPUT$/);
    assert.ok(
      lines.some((l) => /^echo\s+yes\s+Echoes back the input string\s+message: string$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^get-sum\s+yes\s+Returns the sum of two numbers\s+a: number, b: number$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^toggle-simulated-logging\s+no\s+.*\(none\)$/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^trigger-long-running-operation\s+yes\s+.*\[duration: number\], \[steps: number\]$/.test(l)),
      out.stdout,
    );

    const unknown = await baton(['mcp', 'tools', 'nowhere'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no MCP server 'nowhere' is declared on this worker .*declared: everything/);
  });
});
