/**
 * A codec server (Temporal's remote codec protocol): the Temporal Web UI and `temporal ...
 * --codec-endpoint <api>/api/codec` send the payloads of a history here and show what comes back,
 * so a run's parameters and results read as JSON there even when every payload is encrypted
 * (BATON_ENCRYPTION_KEYS) or offloaded to the blob store. It decodes with the API's own codecs, in
 * the order the data converter undoes them; encode encrypts what the Web UI sends (a signal's or a
 * start's input) as workers expect it.
 *
 * Decoding reads runs (any key); encoding makes payloads workers would trust (an admin key). A
 * payload this API cannot decode (a key it does not hold, a blob that is gone) comes back as it was
 * sent, and the reason is logged: one such payload never hides the rest of a history. One answer
 * decodes at most CODEC_DECODE_MAX_BYTES; payloads past that come back as sent too.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { BatonClient } from '../../client/client';
import { CodecPayloads, type CodecPayload } from '../../core/schemas';
import { LargePayloadCodec } from '../../activities/large-payloads';
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

/** Bytes of decoded payloads one request may answer with; past it, the rest come back as sent. */
export const CODEC_DECODE_MAX_BYTES = 64 * 1024 * 1024;

export function codecRoutes(client: BatonClient, logger?: Logger) {
  // Read on first use: the routes are declared (for the OpenAPI document) before any client is needed.
  const codecs = (): readonly PayloadCodec[] => client.options.dataConverter?.payloadCodecs ?? [];
  // Encoding only encrypts: what the Web UI sends fits a request body, so nothing needs offloading,
  // and nothing can fail half-way and leave a payload unencrypted.
  const encoders = () => codecs().filter((c) => !(c instanceof LargePayloadCodec));
  const decoders = () => [...codecs()].reverse();

  /**
   * Each payload through every decoder, one at a time (an offloaded value is read from the blob
   * store only when its turn comes): one that fails, or one past the answer's size limit, comes
   * back as sent.
   */
  const decode = async (body: CodecPayloads) => {
    let bytes = 0;
    const payloads: CodecPayload[] = [];
    for (const [index, sent] of body.payloads.entries()) {
      if (bytes > CODEC_DECODE_MAX_BYTES) {
        payloads.push(sent);
        continue;
      }
      try {
        let payload = toPayload(sent);
        for (const codec of decoders()) [payload] = await codec.decode([payload]);
        bytes += payload.data?.length ?? 0;
        payloads.push(bytes > CODEC_DECODE_MAX_BYTES ? sent : toJson(payload));
      } catch (err) {
        logger?.warn({ index, reason: err instanceof Error ? err.message : String(err) }, 'codec: a payload could not be decoded; it is answered as sent');
        payloads.push(sent);
      }
    }
    if (bytes > CODEC_DECODE_MAX_BYTES) logger?.warn({ limit: CODEC_DECODE_MAX_BYTES }, 'codec: decoded payloads past the size limit are answered as sent');
    return { payloads };
  };

  const encode = async (body: CodecPayloads) => {
    let payloads = body.payloads.map(toPayload);
    for (const codec of encoders()) payloads = await codec.encode(payloads);
    return { payloads: payloads.map(toJson) };
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
      handler: ({ body }) => decode(body),
    }),
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/encode`,
      summary: 'Encode payloads for what the Web UI sends: encrypted with the current key, as workers read them',
      tag: 'codec',
      access: 'admin',
      body: CodecPayloads,
      response: CodecPayloads,
      handler: ({ body }) => encode(body),
    }),
  ];
}
