import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { InterceptingCall } from '@grpc/grpc-js';
import type { ConnectionOptions } from '@temporalio/client';
import { createApp } from '../src/api/app';
import { register } from '../src/api/route';
import { openStreams, flowRunStreamRoutes } from '../src/api/routes/flow-run-stream';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import type { StreamItem } from '../src/core/stream';
import { SseParser, type ParsedEvent } from '../src/cli/sse-parser';
import { startTestApi, type TestApi } from './api-helpers';
import { FIXTURES, startWorker, testTarget, uid, type TestWorker } from './helpers';

const TIMEOUT = { timeout: 60_000 };

interface Opened {
  res: Response;
  /** Events as they come, with when each was read. */
  events: AsyncGenerator<ParsedEvent & { at: number }>;
  /** The raw text read so far. */
  text: () => string;
}

async function openSse(base: string, url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Opened> {
  const res = await fetch(base + url, { headers, signal });
  let raw = '';
  async function* events() {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      raw += decoder.decode(chunk, { stream: true });
      for (const event of parser.push(chunk)) yield { ...event, at: Date.now() };
    }
  }
  return { res, events: events(), text: () => raw };
}

/** Every event until the answer ends. */
async function readAll(base: string, url: string, headers: Record<string, string> = {}) {
  const opened = await openSse(base, url, headers);
  if (opened.res.status !== 200) assert.fail(`${url} answered ${opened.res.status}: ${await opened.res.text()}`);
  const events: (ParsedEvent & { at: number })[] = [];
  for await (const event of opened.events) events.push(event);
  return { events, items: events.filter((e) => e.event !== 'end').map((e) => JSON.parse(e.data) as StreamItem), text: opened.text(), res: opened.res };
}

describe('a flow run stream over HTTP: Server-Sent Events', { timeout: 240_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'streams') });
    api = await startTestApi(w.client);
  });
  after(async () => {
    await api?.close();
    await w?.stop();
  });

  test('a generator flow read live: each yield an event with its place as id, in order, then `end`; headers for proxies', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('stream-chapters', { n: 3, pauseSeconds: 2 });
    const { events, items, res } = await readAll(api.base, `/api/flow-runs/${run.id}/stream`);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    assert.deepEqual(
      events.map((e) => [e.id, e.event]),
      [
        ['1:0', 'item'],
        ['1:1', 'item'],
        ['1:2', 'item'],
        ['1:2', 'end'],
      ],
    );
    assert.deepEqual(
      items.map((i) => [i.seq, i.attempt, i.kind, i.topic, i.value]),
      [1, 2, 3].map((n) => [n - 1, 1, 'item', 'default', { chapter: n, title: `Chapter ${n}` }]),
    );
    // Live: the first chapter came while the run still had two 2-second timers to go.
    const closed = (await w.client.temporal.workflow.getHandle(run.id).describe()).closeTime!.getTime();
    assert.ok(events[0]!.at < closed - 1_000, `the first event came ${closed - events[0]!.at} ms before the run closed`);
  });

  test('Last-Event-ID goes on exactly after that place; `from` starts at a seq; topics filter (markers always come)', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('stream-chapters', { n: 4, pauseSeconds: 0 });
    await run.result();
    const resumed = await readAll(api.base, `/api/flow-runs/${run.id}/stream`, { 'last-event-id': '1:1' });
    assert.deepEqual(
      resumed.items.map((i) => i.seq),
      [2, 3],
    );
    // The header wins over `from`.
    const both = await readAll(api.base, `/api/flow-runs/${run.id}/stream?from=0`, { 'last-event-id': '1:2' });
    assert.deepEqual(
      both.items.map((i) => i.seq),
      [3],
    );
    const from = await readAll(api.base, `/api/flow-runs/${run.id}/stream?from=3`);
    assert.deepEqual(
      from.items.map((i) => i.seq),
      [3],
    );
    // After the last item: only `end`.
    const past = await readAll(api.base, `/api/flow-runs/${run.id}/stream`, { 'last-event-id': '1:3' });
    assert.deepEqual(
      past.events.map((e) => e.event),
      ['end'],
    );

    const emitter = await w.client.flowRuns.start('stream-emitter', undefined);
    await emitter.result();
    const progress = await readAll(api.base, `/api/flow-runs/${emitter.id}/stream?topics=progress`);
    assert.deepEqual(
      progress.items.map((i) => [i.seq, i.topic]),
      [
        [1, 'progress'],
        [2, 'progress'],
        [3, 'progress'],
      ],
    );
    const two = await readAll(api.base, `/api/flow-runs/${emitter.id}/stream?topics=default,progress`);
    assert.equal(two.items.length, 4);

    const parent = await w.client.flowRuns.start('stream-parent', undefined);
    await parent.result();
    const markers = await readAll(api.base, `/api/flow-runs/${parent.id}/stream?topics=nothing`);
    assert.deepEqual(
      markers.events.map((e) => e.event),
      ['subflow', 'end'],
    );
  });

  test('refusals come as JSON before any event: 404 unknown run, 400 naming a bad Last-Event-ID, topic or from', TIMEOUT, async () => {
    const missing = uid('no-such-run');
    const notFound = await api.call('GET', `/api/flow-runs/${missing}/stream`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body.error.message, `no flow run with id '${missing}'`);

    const run = await w.client.flowRuns.start('stream-emitter', undefined);
    await run.result();
    for (const [header, shown] of [
      ['7', '"7"'],
      ['1:x', '"1:x"'],
      ['0:3', '"0:3"'],
    ]) {
      const res = await api.call('GET', `/api/flow-runs/${run.id}/stream`, undefined, { 'last-event-id': header! });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.message, `invalid header: Last-Event-ID: must be an event id of this stream, <attempt>:<seq> (got ${shown})`);
    }
    const topic = await api.call('GET', `/api/flow-runs/${run.id}/stream?topics=progress,no%20spaces`);
    assert.equal(topic.status, 400);
    assert.deepEqual(topic.body.error.details, [{ path: 'topics.1', message: 'each topic is 1-100 letters, digits or . _ - : @' }]);
    const from = await api.call('GET', `/api/flow-runs/${run.id}/stream?from=-1`);
    assert.equal(from.status, 400);
    assert.equal(from.body.error.details[0].path, 'from');
  });

  test('a reader that hangs up stops the API reading the run: no query after it left', TIMEOUT, async () => {
    // The API on a client of its own, whose queries this test counts at the gRPC layer.
    let queries = 0;
    const countQueries: NonNullable<ConnectionOptions['interceptors']>[number] = (options, nextCall) => {
      if (String(options.method_definition.path).endsWith('/QueryWorkflow')) queries++;
      return new InterceptingCall(nextCall(options));
    };
    const target = testTarget();
    const client = await BatonClient.connect({
      target: { ...target, connectionOptions: { ...target.connectionOptions, interceptors: [countQueries] } },
      dataConverter: dataConverter(loadConfig()),
      taskQueue: w.taskQueue,
    });
    const server = createApp({ client }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = await w.client.flowRuns.start('stream-chapters', { n: 4, pauseSeconds: 1 });
    try {
      const hangUp = new AbortController();
      const opened = await openSse(base, `/api/flow-runs/${run.id}/stream`, {}, hangUp.signal);
      const first = await opened.events.next();
      assert.equal(first.value?.id, '1:0');
      assert.equal(openStreams.count(run.id), 1);
      const readerClosed = new Promise<void>((resolve) => {
        const onClose = (id: string) => {
          if (id !== run.id) return;
          openStreams.off('close', onClose);
          resolve();
        };
        openStreams.on('close', onClose);
      });
      const before = queries;
      hangUp.abort();
      await readerClosed;
      assert.equal(openStreams.count(run.id), 0);
      const atClose = queries;
      assert.ok(atClose >= before, 'counted');
      // The run goes on for three more seconds of timers and items; the API asks it nothing more.
      await run.result();
      assert.equal(queries, atClose, `${queries - atClose} queries after the reader left`);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await client.close();
    }
  });

  test('an idle stream gets a keep-alive comment between items', TIMEOUT, async () => {
    const app = express();
    register(app, flowRunStreamRoutes(w.client, { heartbeatMs: 200 }), []);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const run = await w.client.flowRuns.start('stream-chapters', { n: 2, pauseSeconds: 1 });
      const { text, items } = await readAll(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, `/api/flow-runs/${run.id}/stream`);
      assert.equal(items.length, 2);
      // Between the first and the second chapter (a 1-second timer): comments, which the parser skipped.
      const between = text.slice(text.indexOf('id: 1:0'), text.indexOf('id: 1:1'));
      assert.ok(between.split(': keep-alive\n\n').length - 1 >= 2, JSON.stringify(between));
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
