/**
 * Turns what the MCP SDK throws into the error Baton's retry policy acts on: a broken connection,
 * an unreachable server or a 5xx is McpTransportError and a missing answer McpTimeoutError (both
 * retried); a request the server refuses (unknown method, invalid params, 401/403) fails at once.
 * Messages have the server's secrets removed and keep nothing of the original error.
 */
import { NonRetryableError } from '../core/errors';
import { McpTimeoutError, McpTransportError } from './mcp-errors';
import type { Redactor } from './mcp-secrets';

/** JSON-RPC and MCP error codes (the SDK's ErrorCode). */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;
const REFUSED = new Set([-32700, -32600, -32601, -32602]);
const MAX_QUOTE = 500;

export interface FailureContext {
  server: string;
  /** What was asked: `tool 'echo'`, `the tool list`. */
  what: string;
  timeoutSeconds: number;
  redact: Redactor;
  signal?: AbortSignal;
}

/** Whether the connection should be dropped, so the next attempt opens a new one. */
export function breaksConnection(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (err instanceof TypeError) return true;
  if (typeof code === 'number' && code >= 400) return code !== 401 && code !== 403;
  return code === CONNECTION_CLOSED || (typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

export function mcpFailure(err: unknown, context: FailureContext): Error {
  if (context.signal?.aborted) return context.signal.reason instanceof Error ? context.signal.reason : new Error('the MCP call was cancelled');
  const { server, what } = context;
  const error = err instanceof Error ? err : new Error(String(err));
  if (error instanceof NonRetryableError || error instanceof McpTransportError || error instanceof McpTimeoutError) return error;
  const message = clip(context.redact.text(error.message));
  const code = (err as { code?: unknown }).code;
  if (code === REQUEST_TIMEOUT) return new McpTimeoutError(`MCP server '${server}' did not answer ${what} within ${context.timeoutSeconds} s`, server);
  if (code === CONNECTION_CLOSED) {
    return new McpTransportError(
      `MCP server '${server}' closed the connection during ${what} (it exited or was stopped); it is reconnected on the next attempt`,
      server,
    );
  }
  if (typeof code === 'number' && REFUSED.has(code)) return new NonRetryableError(`MCP server '${server}' refused ${what}: ${message}`);
  if (code === 401 || code === 403) return new NonRetryableError(`MCP server '${server}' answered ${code} to ${what}: check its headers`);
  return new McpTransportError(`MCP server '${server}' failed during ${what}: ${message}`, server);
}

function clip(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}
