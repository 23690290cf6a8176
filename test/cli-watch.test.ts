import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../src/api/app';
import { FIXTURES, ROOT, startWorker, uid, type TestWorker } from './helpers';

const TIMEOUT = { timeout: 90_000 };

interface Baton {
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number>;
  /** Resolves once stdout has `n` lines. */
  lines(n: number): Promise<void>;
  /** Resolves once stderr matches. */
  said(pattern: RegExp): Promise<void>;
}

function baton(args: string[], apiUrl: string): Baton {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...process.env, BATON_API_URL: apiUrl } });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const poke = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (c) => ((stdout += String(c)), poke()));
  child.stderr.on('data', (c) => ((stderr += String(c)), poke()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => (poke(), resolve(code ?? 1))));
  let done = false;
  void exited.then(() => (done = true));
  const until = async (check: () => boolean, what: string) => {
    while (!check()) {
      if (done) throw new Error(`baton exited before ${what}:\n${stdout}\n${stderr}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    lines: (n) => until(() => stdout.split('\n').length - 1 >= n, `${n} lines`),
    said: (pattern) => until(() => pattern.test(stderr), String(pattern)),
  };
}

describe('baton flow-run watch: a run stream printed as it comes, through the API', { timeout: 300_000 }, () => {
  let w: TestWorker;
  let server: Server;
  let port: number;
  const listen = async (on = 0) => {
    server = createApp({ client: w.client }).listen(on, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    // Open streams too: a stopped API drops its connections.
    const closed = new Promise((r) => server.close(r));
    server.closeAllConnections();
    await closed;
  };
  const url = () => `http://127.0.0.1:${port}`;
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'stream-watch') });
    await listen();
  });
  after(async () => {
    if (server?.listening) await stop();
    await w?.stop();
  });

  test('the API restarted mid-stream: watch reconnects with the last event id and prints every item exactly once', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('watch-chapters', { n: 6, pauseSeconds: 1 });
    const watch = baton(['flow-run', 'watch', run.id], url());
    try {
      await watch.lines(2);
      await stop();
      await watch.said(/the connection to the API was lost; reconnecting after event 1:1/);
      // The run goes on while the API is down: wait until it has published past what was printed.
      for await (const item of w.client.flowRuns.stream(run.id, { from: 3 })) if (item.seq >= 3) break;
      await listen(port);
      assert.equal(await watch.exited, 0, watch.stderr());
      assert.deepEqual(
        watch.stdout().trimEnd().split('\n'),
        [1, 2, 3, 4, 5, 6].map((i) => `[${i - 1}] default: chapter ${i}`),
      );
    } finally {
      if (!server.listening) await listen(port);
    }
  });

  test('markers, control characters escaped, --json lines, --topic and --from', TIMEOUT, async () => {
    const run = await w.client.flowRuns.start('watch-markers', undefined);
    assert.equal(await run.result(), 'done');
    const human = baton(['flow-run', 'watch', run.id], url());
    assert.equal(await human.exited, 0, human.stderr());
    const lines = human.stdout().trimEnd().split('\n');
    assert.equal(lines[0], '[0] note: \\u001b[2Jcleared?\\u009b31m');
    assert.equal(lines[1], '[1] tokens: attempt 1');
    assert.match(lines[2]!, /^\[2\] discarded: attempt 1 of task watch-flaky-chunks \(\S+\) failed; its output above was replaced by the next attempt's$/);
    assert.equal(lines[3], '[3] tokens: attempt 2');
    assert.match(lines[4]!, /^\[4\] subflow watch-chapters started: (\S+) \(baton flow-run watch \1\)$/);
    assert.equal(lines.length, 5);

    const json = baton(['flow-run', 'watch', run.id, '--json', '--topic', 'tokens', '--from', '2'], url());
    assert.equal(await json.exited, 0, json.stderr());
    const items = json
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; kind: string; value?: unknown });
    assert.deepEqual(
      items.map((i) => [i.seq, i.kind, i.value ?? null]),
      [
        [2, 'discard', null],
        [3, 'item', 'attempt 2'],
        [4, 'subflow', items[2]!.value],
      ],
    );
  });

  test('an unknown run: exit 1 with the API’s message; a bad --from: usage error', TIMEOUT, async () => {
    const missing = uid('no-such-run');
    const unknown = baton(['flow-run', 'watch', missing], url());
    assert.equal(await unknown.exited, 1);
    assert.equal(unknown.stderr().trim(), `baton: no flow run with id '${missing}'`);
    assert.equal(unknown.stdout(), '');
    const bad = baton(['flow-run', 'watch', missing, '--from', 'x'], url());
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /--from must be a whole number ≥ 0 \(a seq\), got 'x'/);
  });
});
