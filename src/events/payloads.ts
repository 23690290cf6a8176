/** Memo values from visibility records, read through the client's codecs (large payloads). */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { decodePayload } from '../client/temporal-values';

export async function decodeMemo(codecs: readonly PayloadCodec[], payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  let payloads = [payload];
  for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
  return decodePayload(payloads[0]);
}
