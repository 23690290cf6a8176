/**
 * A codec server (Temporal's remote codec protocol): the Temporal Web UI and `temporal ...
 * --codec-endpoint <api>/api/codec` send the payloads of a history here and show what comes back,
 * so a run's parameters and results read as JSON there even when every payload is encrypted
 * (BATON_ENCRYPTION_KEYS) or offloaded to the blob store. It decodes with the API's own codecs, in
 * the order the data converter undoes them; encode is the reverse, for what the Web UI sends.
 *
 * Decoding reads runs (any key); encoding makes payloads workers would trust (an admin key). A
 * payload this API cannot decode (a key it does not hold, a blob that is gone) comes back as it was
 * sent, and the reason is logged: one such payload never hides the rest of a history.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { BatonClient } from '../../client/client';
import { CodecPayloads, type CodecPayload } from '../../core/schemas';
import { defineRoute } from '../route';

/** Where the routes are: the endpoint to give Temporal's tools (they add /decode and /encode). */
export const CODEC_PATH = '/api/codec';

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const toBase64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

function toPayload(p: CodecPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, fromBase64(v)])),
    data: fromBase64(p.data ?? ''),
  };
}

function toJson(p: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
    data: toBase64(p.data),
  };
}

export function codecRoutes(client: BatonClient, logger?: Logger) {
  const codecs: readonly PayloadCodec[] = client.options.dataConverter?.payloadCodecs ?? [];
  /** Each payload through every codec, one payload at a time: one that fails comes back unchanged. */
  const each = async (body: CodecPayloads, direction: 'decode' | 'encode') => {
    const chain = direction === 'decode' ? [...codecs].reverse() : codecs;
    const payloads = await Promise.all(
      body.payloads.map(async (sent, index) => {
        let payload = toPayload(sent);
        try {
          for (const codec of chain) [payload] = await codec[direction]([payload]);
          return toJson(payload);
        } catch (err) {
          logger?.warn({ index, reason: err instanceof Error ? err.message : String(err) }, `codec: a payload could not be ${direction}d; it is answered as sent`);
          return sent;
        }
      }),
    );
    return { payloads };
  };
  return [
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/decode`,
      summary: "Decode payloads for the Temporal Web UI or CLI (Temporal's remote codec protocol): decrypted and fetched from the blob store",
      tag: 'codec',
      access: 'read',
      body: CodecPayloads,
      response: CodecPayloads,
      handler: ({ body }) => each(body, 'decode'),
    }),
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/encode`,
      summary: 'Encode payloads as workers write them (encrypted with the current key, large ones offloaded), for what the Web UI sends',
      tag: 'codec',
      access: 'admin',
      body: CodecPayloads,
      response: CodecPayloads,
      handler: ({ body }) => each(body, 'encode'),
    }),
  ];
}
