/**
 * A webhook request turned into an event: its signature checked against the raw body in constant
 * time, then its headers and JSON body mapped through the webhook's templates.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError, ValidationError } from '../core/errors';
import { render, renderText } from './template';
import type { Webhook } from './webhook-config';
import { EmitEvent } from './schemas';
import { fieldIssues } from '../core/flow-options';

/** A webhook request whose signature is missing or wrong: nothing is stored. */
export class WebhookSignatureError extends UnauthorizedError {
  static override readonly code: string = 'BAD_SIGNATURE';
  override readonly name: string = 'WebhookSignatureError';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function githubSignature(secret: Buffer, raw: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Throws WebhookSignatureError unless the request carries the webhook's signature of `raw`. */
export function verifySignature(webhook: Webhook, headers: Record<string, string | string[] | undefined>, raw: Buffer): void {
  const header = 'x-hub-signature-256';
  const given = headers[header];
  if (typeof given !== 'string' || !given) throw new WebhookSignatureError(`webhook '${webhook.name}': the request has no X-Hub-Signature-256 header`);
  // Compared as digests of equal length, in constant time: the answer tells nothing about how close a guess was.
  if (!timingSafeEqual(digest(githubSignature(webhook.secret, raw)), digest(given.trim()))) {
    throw new WebhookSignatureError(`webhook '${webhook.name}': the X-Hub-Signature-256 signature does not match the body`);
  }
}

/** An event name from a template: segments that rendered empty are dropped (`github.push.` → `github.push`). */
const eventName = (text: string) =>
  text
    .split('.')
    .filter((s) => s !== '')
    .join('.');

/** The event a signed request makes; a ValidationError names what its mapping could not fill. */
export function webhookEvent(webhook: Webhook, headers: Record<string, string | string[] | undefined>, raw: Buffer): EmitEvent {
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
  } catch {
    throw new ValidationError('body', [{ path: 'body', message: 'must be JSON (set the webhook to send application/json)' }]);
  }
  const context = { headers, body };
  const id = webhook.id ? renderText(webhook.id, context) : '';
  const resource = webhook.resource ? Object.fromEntries(Object.entries(webhook.resource).map(([k, t]) => [k, renderText(t, context)])) : undefined;
  const payload = render(webhook.payload ?? '{{body}}', context);
  const candidate = {
    event: eventName(renderText(webhook.event, context)),
    ...(id ? { id } : {}),
    ...(resource?.id ? { resource } : {}),
    payload: payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : { value: payload ?? null },
  };
  const parsed = EmitEvent.safeParse(candidate);
  if (!parsed.success) throw new ValidationError(`event from webhook '${webhook.name}'`, fieldIssues(parsed.error.issues));
  return parsed.data;
}
