/**
 * `POST /api/webhooks/:name`: a request signed with the webhook's own secret (no API key) becomes
 * an event. It is mounted apart from the route table because the signature covers the raw body,
 * which the table's handlers never see; it answers as `POST /api/events` does (202, `duplicate`),
 * 401 `BAD_SIGNATURE` for a missing or wrong signature (nothing stored), 404 for an unknown webhook.
 * Its OpenAPI operation is written here by hand for the same reason ({@link WEBHOOK_OPERATION}).
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

const errorContent = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** `POST /api/webhooks/{name}` in the OpenAPI document: signed instead of keyed, so it needs no API key. */
export const WEBHOOK_OPERATION = {
  '/api/webhooks/{name}': {
    post: {
      summary: "Deliver a webhook: a request signed with the webhook's secret becomes an event, answered once it is stored",
      tags: ['events'],
      operationId: 'postApiWebhooksName',
      security: [],
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: "the webhook's name in baton.yaml or BATON_WEBHOOKS" },
        {
          name: 'X-Hub-Signature-256',
          in: 'header',
          required: true,
          schema: { type: 'string' },
          description: "GitHub's signature: sha256= and the hex HMAC-SHA256 of the raw body with the webhook's secret",
        },
      ],
      requestBody: {
        required: true,
        description: "the sender's JSON, mapped to an event by the webhook's templates; read as bytes, so any content type is taken",
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      responses: {
        '202': { description: 'success', content: { 'application/json': { schema: { $ref: '#/components/schemas/EventAccepted' } } } },
        '400': errorContent("the body is not JSON, or the webhook's templates made no valid event of it: the message names the field"),
        '401': errorContent('BAD_SIGNATURE: the X-Hub-Signature-256 header is missing or does not match the body; nothing is stored'),
        '403': errorContent('the request came from another site (a foreign Origin, or a foreign Host while the API runs without keys)'),
        '404': errorContent('no webhook of this name is declared'),
        '413': errorContent('request body too large'),
        '503': errorContent('Temporal did not answer; nothing is stored'),
        '500': { $ref: '#/components/responses/InternalError' },
      },
    },
  },
};

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
