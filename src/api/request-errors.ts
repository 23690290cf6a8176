/**
 * Errors Express's router and body parser raise before a handler runs (http-errors with a 4xx
 * `status`): each becomes the 4xx it carries with an error body naming what was wrong.
 */
import type { ErrorBody } from '../core/schemas';

const CODES: Record<string, { code: string; message?: string }> = {
  'entity.parse.failed': { code: 'BAD_JSON', message: 'request body is not valid JSON' },
  'entity.too.large': { code: 'TOO_LARGE', message: 'request body is larger than 1 MB' },
  'encoding.unsupported': { code: 'UNSUPPORTED' },
  'charset.unsupported': { code: 'UNSUPPORTED' },
  'request.aborted': { code: 'ABORTED', message: 'the request was aborted before its body arrived' },
  'request.size.invalid': { code: 'BAD_BODY', message: 'request body length does not match its Content-Length' },
};

/** The status and body for a 4xx error from Express or body-parser, or undefined for any other error. */
export function requestErrorReply(err: unknown): { status: number; body: ErrorBody } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const { status, statusCode, type, message, code: errno } = err as { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown; code?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return undefined;
  const known = typeof type === 'string' ? CODES[type] : undefined;
  let text = typeof message === 'string' && message ? message : 'bad request';
  // zlib's own words ("incorrect header check") do not say it was the body that was corrupt.
  if (typeof errno === 'string' && /^(Z_|ERR_)/.test(errno)) text = `request body does not decompress as its Content-Encoding says: ${text}`;
  return {
    status: code,
    body: { error: { code: known?.code ?? (code === 400 ? 'BAD_REQUEST' : code === 415 ? 'UNSUPPORTED' : 'REQUEST_REFUSED'), message: known?.message ?? text } },
  };
}
