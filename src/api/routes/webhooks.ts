/**
 * `POST /api/webhooks/:name`: a request signed with the webhook's own secret (no API key) becomes
 * an event. It is mounted apart from the route table because the signature covers the raw body,
 * which the table's handlers never see; it answers as `POST /api/events` does (202, `duplicate`),
 * 401 `BAD_SIGNATURE` for a missing or wrong signature (nothing stored), 404 for an unknown webhook.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { BatonClient } from '../../client/client';
import { NotFoundError } from '../../core/errors';
import { EventStore } from '../../events/event-store';
import type { Webhook } from '../../events/webhook-config';
import { verifySignature, webhookEvent } from '../../events/webhook-request';
import { BODY_LIMIT, type Around } from '../route';

export const WEBHOOK_PATH = '/api/webhooks/:name';

export function mountWebhooks(app: Express, options: { client: BatonClient; webhooks: readonly Webhook[]; around: Around; logger?: Logger }): void {
  const byName = new Map(options.webhooks.map((w) => [w.name, w]));
  const store = new EventStore(options.client);
  // Any content type is read as bytes: the signature is over them, and the body is parsed only once it checks out.
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  const known = (req: Request, _res: Response, next: NextFunction) => {
    const name = String(req.params.name);
    next(byName.has(name) ? undefined : new NotFoundError(`no webhook named '${name}'`));
  };
  app.post(WEBHOOK_PATH, known, raw, (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const webhook = byName.get(String(req.params.name))!;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      verifySignature(webhook, req.headers, body);
      const event = webhookEvent(webhook, req.headers, body);
      const accepted = await options.around(() => store.emit(event));
      options.logger?.info({ webhook: webhook.name, event: event.event, id: accepted.id, duplicate: accepted.duplicate }, 'webhook event');
      res.status(202).json(accepted);
    })().catch(next);
  });
}
