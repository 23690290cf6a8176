import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventId, parseEventId, sseEvent } from '../src/api/sse';
import { SseParser, type ParsedEvent } from '../src/cli/sse-parser';

const TIMEOUT = { timeout: 5_000 };

/** Feeds `text` to a parser in pieces of `size` bytes. */
function feed(text: string, size: number): ParsedEvent[] {
  const bytes = new TextEncoder().encode(text);
  const parser = new SseParser();
  const out: ParsedEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...parser.push(bytes.subarray(i, i + size)));
  return out;
}

describe('Server-Sent Events: writing and reading', () => {
  test('events written by the API read back the same, whatever the chunk sizes (multi-byte characters split too)', TIMEOUT, () => {
    const items = [
      { id: '1:0', event: 'item', data: JSON.stringify({ text: 'héllo → 世界 🎉', lines: 'a\nb' }) },
      { id: '1:1', event: 'discard', data: '{}' },
      { event: 'end', data: '{}' },
    ];
    const text = items.map(sseEvent).join(': keep-alive\n\n');
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const events = feed(text, size);
      assert.deepEqual(
        events.map((e) => [e.id, e.event, e.data]),
        // The end event sets no id: the last one set stays, as EventSource keeps it.
        [
          ['1:0', 'item', items[0]!.data],
          ['1:1', 'discard', '{}'],
          ['1:1', 'end', '{}'],
        ],
        `chunks of ${size}`,
      );
      assert.equal(JSON.parse(events[0]!.data).text, 'héllo → 世界 🎉');
    }
  });

  test('CR, LF and CRLF line ends (a CRLF split between chunks too), data lines joined, comments and unknown fields skipped', TIMEOUT, () => {
    const text = ': hello\r\nid: 7\r\nevent: x\r\ndata: one\r\ndata:two\rretry: 10\nfoo: bar\n\ndata\n\n\n\nevent: empty\n\n';
    for (const size of [1, 4, text.length]) {
      assert.deepEqual(
        feed(text, size).map((e) => [e.id, e.event, e.data]),
        [
          ['7', 'x', 'one\ntwo'],
          ['7', 'message', ''],
        ],
        `chunks of ${size}`,
      );
    }
    // An unfinished event is not dispatched.
    assert.deepEqual(feed('data: half', 3), []);
  });

  test('the writer refuses a field that would break the event; ids are <attempt>:<seq>', TIMEOUT, () => {
    assert.throws(() => sseEvent({ data: 'a\nb' }), /one line/);
    assert.throws(() => sseEvent({ id: '1\r2', data: 'x' }), /one line/);
    assert.equal(eventId({ attempt: 2, seq: 15 }), '2:15');
    assert.deepEqual(parseEventId('2:15'), { attempt: 2, seq: 15 });
    for (const bad of ['', '15', '0:1', '1:-1', '1:2:3', 'a:b', '1:1e3']) assert.equal(parseEventId(bad), undefined, bad);
  });
});
