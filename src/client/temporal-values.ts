/**
 * Temporal's raw values as Baton reads them: payloads, timestamps and keyword search attributes
 * from visibility records, describe answers and history events, and Temporal's not-found error.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
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
