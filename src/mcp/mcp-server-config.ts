/**
 * How MCP servers are declared, in the shape MCP hubs and Claude Desktop use:
 *
 *   { "files":  { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"] },
 *     "search": { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer ${SEARCH_TOKEN}" } } }
 *
 * A server with `command` is started as a child process and spoken to over stdio; one with `url`
 * over streamable HTTP. Values in `env` and `headers` may reference environment variables as
 * `${VAR}`; they are resolved by the worker when it connects (see mcp-secrets.ts). Pure: zod only,
 * so the configuration module can validate BATON_MCP_SERVERS without loading the MCP SDK.
 */
import { z } from 'zod';
import type { FieldIssue } from '../core/errors';

const SERVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const nonEmpty = z.string({ error: 'must be a string' }).min(1, 'must not be empty');

/** A server Baton starts and speaks to over its stdin and stdout. */
export const McpStdioServer = z
  .object({
    type: z.literal('stdio', { error: "must be 'stdio' for a server with a command" }).optional(),
    /** The program to run, such as `npx` or an absolute path. */
    command: nonEmpty,
    /** Its arguments. */
    args: z.array(z.string({ error: 'must be a list of strings' }), { error: 'must be a list of strings' }).default([]),
    /** Variables added to the small safe environment the server inherits (PATH, HOME...); `${VAR}` is resolved from the worker's. */
    env: z.record(z.string().regex(ENV_NAME, 'must be an environment variable name'), z.string({ error: 'must be a string' })).default({}),
    /** The folder it runs in; default the worker's. */
    cwd: nonEmpty.optional(),
  })
  .strict();
export type McpStdioServer = z.infer<typeof McpStdioServer>;

/** A server reached over streamable HTTP. */
export const McpHttpServer = z
  .object({
    type: z.enum(['http', 'streamable-http', 'streamableHttp'], { error: "must be 'http' for a server with a url" }).optional(),
    /** The server's MCP endpoint, such as `https://mcp.example.com/mcp`. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** Sent with every request; `${VAR}` is resolved from the worker's environment. */
    headers: z.record(z.string().regex(HEADER_NAME, 'must be an HTTP header name'), z.string({ error: 'must be a string' })).default({}),
  })
  .strict();
export type McpHttpServer = z.infer<typeof McpHttpServer>;

export type McpServerConfig = McpStdioServer | McpHttpServer;
/** Servers by name. */
export type McpServers = Record<string, McpServerConfig>;

export function isStdioServer(server: McpServerConfig): server is McpStdioServer {
  return 'command' in server;
}

/** The transport a server is spoken to over, as people read it. */
export function transportOf(server: McpServerConfig): 'stdio' | 'http' {
  return isStdioServer(server) ? 'stdio' : 'http';
}

/**
 * Checks a `{ name: server }` map. Every problem is one issue, at `source`, whose message names
 * the server and the field (`server 'files': command: must not be empty`); values are never quoted,
 * as they may be secrets.
 */
export function checkMcpServers(value: unknown, source: string): { servers: McpServers; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const servers: McpServers = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { servers, issues: [{ path: source, message: 'must be an object of servers by name, such as {"files": {"command": "npx", "args": [...]}}' }] };
  }
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    const problem = (field: string, message: string) => issues.push({ path: source, message: `server '${name}': ${field ? `${field}: ` : ''}${message}` });
    if (!SERVER_NAME.test(name)) {
      issues.push({ path: source, message: `server name '${name.slice(0, 64)}' must be 1-64 letters, digits, _ . or -` });
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problem('', 'must be an object with a command (stdio) or a url (streamable HTTP)');
      continue;
    }
    const e = entry as Record<string, unknown>;
    if (e.type === 'sse') {
      problem('type', "'sse' is not supported: use the server's streamable HTTP endpoint (type 'http')");
      continue;
    }
    if ('command' in e === 'url' in e) {
      problem('', 'give either a command (stdio) or a url (streamable HTTP)');
      continue;
    }
    const parsed = ('command' in e ? McpStdioServer : McpHttpServer).safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
        if (keys) for (const key of keys) problem(key, 'is not a field of an MCP server (command, args, env, cwd; or url, headers)');
        else problem(issue.path.map(String).join('.'), issue.message);
      }
      continue;
    }
    servers[name] = parsed.data;
  }
  return { servers, issues };
}
