/**
 * The codec server's body (Temporal's remote codec protocol): payloads as protobuf's JSON form,
 * metadata values and data in base64. The Temporal Web UI and `temporal --codec-endpoint` send it to
 * `<endpoint>/decode` and `<endpoint>/encode` and read the same shape back.
 */
import { z } from 'zod';
import { contract, doc } from './contract';

/** Standard or URL-safe base64, padded or not (protobuf's JSON reader takes both). */
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

export const CODEC_MAX_PAYLOADS = 1_000;

export const CodecPayload = z
  .object({
    metadata: doc(z.record(z.string().min(1).max(255), Base64), 'Metadata entries, each value in base64 (`encoding` names the format).').optional(),
    data: doc(Base64, 'The payload bytes in base64.').optional(),
  })
  .register(contract, { id: 'CodecPayload' });
export type CodecPayload = z.infer<typeof CodecPayload>;

export const CodecPayloads = z
  .object({
    payloads: doc(z.array(CodecPayload).max(CODEC_MAX_PAYLOADS), `At most ${CODEC_MAX_PAYLOADS} payloads, answered in the same order.`),
  })
  .strict()
  .register(contract, { id: 'CodecPayloads' });
export type CodecPayloads = z.infer<typeof CodecPayloads>;
