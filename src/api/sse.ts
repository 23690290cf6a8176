/**
 * Server-Sent Events, the writing side: one event as the text the wire carries, and the event ids
 * of a flow run's stream (`<attempt>:<seq>`, the place of an item), which a reader sends back in
 * `Last-Event-ID` to go on after it.
 */

export interface SseEvent {
  id?: string;
  event?: string;
  /** One line: JSON has no raw line breaks, so a value never splits the event. */
  data: string;
}

/** A comment line: readers ignore it; proxies see bytes and keep the connection open. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** The text of one event. */
export function sseEvent({ id, event, data }: SseEvent): string {
  // A line break in a field would end it early and start another field: refused, not sent.
  for (const field of [id, event, data]) if (field !== undefined && /[\r\n]/.test(field)) throw new TypeError('an SSE field must be one line');
  return `${id !== undefined ? `id: ${id}\n` : ''}${event !== undefined ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}

/** The id of the item at a place in the run's stream. */
export const eventId = (place: { attempt: number; seq: number }) => `${place.attempt}:${place.seq}`;

/** An event id read back (`Last-Event-ID`), or undefined when it is not one this stream sends. */
export function parseEventId(text: string): { attempt: number; seq: number } | undefined {
  const match = /^(\d{1,9}):(\d{1,15})$/.exec(text.trim());
  if (!match) return undefined;
  const attempt = Number(match[1]);
  return attempt >= 1 ? { attempt, seq: Number(match[2]) } : undefined;
}

/** What writeSse needs of a response (Express's, or Node's). */
export interface SseTarget {
  write(text: string): boolean;
  readonly destroyed: boolean;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Writes, and waits while the caller reads slower than events come (nothing piles up in memory). */
export async function writeSse(res: SseTarget, text: string): Promise<void> {
  if (res.write(text) || res.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
