/**
 * `baton mcp ls` and `baton mcp tools <server>`: the MCP servers this machine's configuration
 * declares (BATON_MCP_SERVERS, mcpServers in baton.yaml), asked directly as a worker would ask
 * them, without the API. `ls` exits 1 when a server does not answer, so it serves as a check.
 */
import pino from 'pino';
import { loadConfig, type BatonConfig } from '../config';
import { BatonError } from '../core/errors';
import { listTools } from '../mcp/mcp-call';
import { McpPool } from '../mcp/mcp-pool';
import { isStdioServer, transportOf, type McpServerConfig } from '../mcp/mcp-server-config';
import { loadMcpServers, type DeclaredMcpServers } from '../mcp/mcp-servers';
import type { McpToolInfo } from '../workflows/mcp';
import { parse, UsageError } from './args';
import { printJson, say, table, terminalSafe } from './output';

/** Seconds a server has to start and list its tools. */
const PROBE_SECONDS = 20;
const MAX_CELL = 60;

/** The servers' stderr and connection lines go to stderr, and only when BATON_LOG_LEVEL asks for debug. */
function cliLogger(config: BatonConfig) {
  const verbose = config.BATON_LOG_LEVEL === 'debug' || config.BATON_LOG_LEVEL === 'trace';
  return pino({ level: verbose ? config.BATON_LOG_LEVEL : 'silent' }, pino.destination(2));
}

function clip(text: string, max = MAX_CELL): string {
  const line = terminalSafe(text.split('\n')[0] ?? '');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** What the server runs or where it is; never its env or headers. */
function target(server: McpServerConfig): string {
  return isStdioServer(server) ? [server.command, ...server.args].join(' ') : server.url;
}

async function withPool<T>(fn: (pool: McpPool, declared: DeclaredMcpServers) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const declared = loadMcpServers(config);
  const pool = new McpPool(declared.servers, cliLogger(config));
  try {
    return await fn(pool, declared);
  } finally {
    await pool.close();
  }
}

/** The server's tools, or why it did not answer within PROBE_SECONDS. */
async function probe(pool: McpPool, name: string): Promise<{ tools?: McpToolInfo[]; error?: string; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BatonError(`no answer within ${PROBE_SECONDS} s`)), PROBE_SECONDS * 1000);
  });
  try {
    const tools = await Promise.race([pool.bind(() => listTools(name))(), limit]);
    return { tools, ms: Date.now() - started };
  } catch (err) {
    return { error: (err as Error).message, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

async function ls(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  return withPool(async (pool, { sources }) => {
    const names = Object.keys(pool.servers).sort();
    const rows = await Promise.all(
      names.map(async (name) => {
        const server = pool.servers[name]!;
        const answer = await probe(pool, name);
        return {
          name,
          transport: transportOf(server),
          target: target(server),
          source: sources[name]!,
          answers: answer.error === undefined,
          tools: answer.tools?.length,
          ms: answer.ms,
          error: answer.error,
        };
      }),
    );
    if (values.json) printJson(rows);
    else if (rows.length === 0) say('no MCP servers are declared (BATON_MCP_SERVERS, or mcpServers in baton.yaml)');
    else {
      say(
        table(rows, {
          name: (r) => r.name,
          transport: (r) => r.transport,
          target: (r) => clip(r.target),
          source: (r) => r.source,
          status: (r) => (r.answers ? `answers (${r.tools} tools, ${r.ms} ms)` : clip(`no answer: ${r.error}`, 120)),
        }),
      );
    }
    return rows.every((r) => r.answers) ? 0 : 1;
  });
}

/** `message: string, [count: number]`: the arguments, optional ones in brackets. */
export function schemaSummary(schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, { type?: unknown; enum?: unknown[] }>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields = Object.entries(properties).map(([name, p]) => {
    const type = Array.isArray(p?.enum) ? p.enum.map((v) => JSON.stringify(v)).join('|') : Array.isArray(p?.type) ? p.type.join('|') : String(p?.type ?? 'any');
    return required.has(name) ? `${name}: ${type}` : `[${name}: ${type}]`;
  });
  return fields.length ? fields.join(', ') : '(none)';
}

async function tools(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['server']);
  const name = positionals[0]!;
  return withPool(async (pool) => {
    pool.connection(name);
    const answer = await probe(pool, name);
    if (answer.error !== undefined) throw new BatonError(`MCP server '${name}' did not answer: ${answer.error}`);
    const list = answer.tools!;
    if (values.json) printJson(list);
    else
      say(
        table(list, {
          name: (t) => terminalSafe(t.name),
          'read-only': (t) => (t.annotations?.readOnlyHint === true ? 'yes' : 'no'),
          description: (t) => clip(t.description ?? t.title ?? ''),
          input: (t) => terminalSafe(schemaSummary(t.inputSchema)),
        }),
      );
    return 0;
  });
}

/** `baton mcp <sub>`. */
export async function mcpCommand(sub: string | undefined, args: string[]): Promise<number> {
  if (sub === 'ls') return ls(args);
  if (sub === 'tools') return tools(args);
  throw new UsageError(`unknown command 'mcp${sub ? ` ${sub}` : ''}': use 'mcp ls', 'mcp tools <server>', 'mcp serve' or 'mcp bridge <server>'`);
}
