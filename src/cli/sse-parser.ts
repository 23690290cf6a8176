/**
 * Server-Sent Events, the reading side (the WHATWG "event stream interpretation"): bytes in, as
 * they arrive in chunks of any size, events out. Lines end in LF, CR or CRLF; `data` lines join
 * with LF; a line starting with `:` is a comment; an event is dispatched at a blank line, and only
 * when it has data. The last event id is kept across events, as a browser's EventSource keeps it.
 */

export interface ParsedEvent {
  /** `message` when the event names no type. */
  event: string;
  data: string;
  /** The last id the stream set (this event's, or an earlier one's). */
  id: string | undefined;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  /** A CR ended the last chunk: an LF at the start of the next belongs to it. */
  private lastWasCr = false;
  private event = '';
  private data: string[] = [];
  private lastId: string | undefined;

  /** The events completed by this chunk. */
  push(chunk: Uint8Array | string): ParsedEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.lastWasCr && text.startsWith('\n')) text = text.slice(1);
    this.lastWasCr = false;
    this.buffer += text;
    const events: ParsedEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) break;
      const line = this.buffer.slice(0, end);
      let next = end + 1;
      if (this.buffer[end] === '\r') {
        if (end + 1 === this.buffer.length) this.lastWasCr = true;
        else if (this.buffer[end + 1] === '\n') next++;
      }
      this.buffer = this.buffer.slice(next);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): ParsedEvent | undefined {
    if (line === '') {
      const event = this.data.length ? { event: this.event || 'message', data: this.data.join('\n'), id: this.lastId } : undefined;
      this.event = '';
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    // `retry` and unknown fields: ignored (the reader chooses its own reconnection delay).
    return undefined;
  }
}
