/**
 * Temporal's raw values as Baton reads them: payloads, timestamps and keyword search attributes
 * from visibility records, describe answers and history events, and Temporal's not-found error.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { NotFoundError } from '../core/errors';
import type { google } from '@temporalio/proto';

/** A payload through the default converter; undefined when absent or unreadable. */
export function decodePayload(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

/** A payload through the codecs (encryption, large payloads) and the default converter. */
export async function decodeWith(codecs: readonly PayloadCodec[], payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  let payloads = [payload];
  for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
  return decodePayload(payloads[0]);
}

/**
 * Decrypts, in place, every encrypted payload in `value` (history events, say) that Baton reads
 * with the plain converter: the summaries that name task runs, failure details. Payloads that are
 * not encrypted, or that these keys cannot decrypt, are left as they are (read as absent).
 */
export async function decryptInPlace(codecs: readonly PayloadCodec[], value: unknown): Promise<void> {
  if (!codecs.length) return;
  const found: Payload[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (!v || typeof v !== 'object' || v instanceof Uint8Array || depth > 40) return;
    const p = v as Payload;
    if (p.metadata && p.data instanceof Uint8Array) {
      const encoding = p.metadata.encoding ? new TextDecoder().decode(p.metadata.encoding) : '';
      if (encoding === 'binary/encrypted') found.push(p);
      return;
    }
    for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  await Promise.all(
    found.map(async (payload) => {
      try {
        let payloads = [payload];
        for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
        Object.assign(payload, { metadata: payloads[0]!.metadata, data: payloads[0]!.data });
      } catch {
        // Left encrypted: read as absent, as any unreadable value.
      }
    }),
  );
}

type Timestamp = google.protobuf.ITimestamp | null | undefined;

/** A protobuf timestamp as a Date, or undefined. */
export function dateOf(ts: Timestamp): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

/** A protobuf timestamp as an ISO 8601 string, or null. */
export function isoTime(ts: Timestamp): string | null {
  return dateOf(ts)?.toISOString() ?? null;
}

/** A keyword (or the first of a keyword list) search attribute's value, or null. */
export function keywordOf(payload: unknown): string | null {
  const value = decodePayload(payload as Payload);
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : null;
  return typeof value === 'string' ? value : null;
}

/** Temporal's "no such workflow" as Baton's NotFoundError naming the flow run; anything else as it is. */
export function flowRunNotFound(err: unknown, flowRunId: string): unknown {
  return err instanceof WorkflowNotFoundError ? new NotFoundError(`no flow run with id '${flowRunId}'`) : err;
}

/**
 * Temporal refused a query at once because no worker has polled the workflow's task queue lately
 * (gRPC FAILED_PRECONDITION, "no poller seen"): as much a missing worker as a query nobody answers.
 */
export function isNoPoller(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, details } = e as { code?: unknown; message?: unknown; details?: unknown };
    if (code === 9 && /no poller seen/i.test(`${String(message)} ${String(details)}`)) return true;
  }
  return false;
}
