/**
 * Errors an MCP tool call fails with. A transport failure or a timeout is retried on the task's
 * schedule (the server is reconnected, or restarted, on the next attempt); a tool that answers
 * with `isError` fails at once unless the call asks for retries. Messages never carry the values
 * of a server's `env` or `headers`.
 */
import { BatonError } from '../core/errors';

/** The server could not be reached or started, or the connection broke during the call; retried. */
export class McpTransportError extends BatonError {
  static override readonly code: string = 'MCP_TRANSPORT';
  override readonly name: string = 'McpTransportError';
  constructor(
    message: string,
    readonly server: string,
  ) {
    super(message);
  }
}

/** The server did not answer within the call's `timeoutSeconds`; retried. */
export class McpTimeoutError extends BatonError {
  static override readonly code: string = 'MCP_TIMEOUT';
  override readonly name: string = 'McpTimeoutError';
  constructor(
    message: string,
    readonly server: string,
  ) {
    super(message);
  }
}

/**
 * The tool ran and reported a failure (`isError: true`). Not retried, unless the call said
 * `onToolError: 'retry'` (`retry` is then true).
 */
export class McpToolError extends BatonError {
  static override readonly code: string = 'MCP_TOOL';
  override readonly name: string = 'McpToolError';
  constructor(
    message: string,
    readonly server: string,
    readonly tool: string,
    /** Whether the call asked for this failure to be retried. */
    readonly retry = false,
  ) {
    super(message);
  }
}
