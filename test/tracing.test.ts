import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { ConfigError } from '../src/core/errors';
import { freePort } from '../src/server/temporal-server';
import { loadModule } from '../src/workers/load-module';
import { replayWorkerOptions } from '../src/workers/replay';
import { describeTracing, tracingSettings } from '../src/tracing/tracing-settings';
import { eventually, FIXTURES, ROOT, startWorker, testTarget, uid } from './helpers';

const FLOWS = path.join(FIXTURES, 'tracing');
const BATON = path.join(ROOT, 'bin', 'baton.js');

// This process itself must not trace, whatever the shell that started the tests set.
for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];

/** A span as an OTLP/JSON export carries it, with its attributes as a plain record. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  status?: { code?: number };
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: (Omit<ReceivedSpan, 'attributes' | 'service'> & { attributes?: OtlpAttribute[] })[] }[];
  }[];
}

function plain(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attributes) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue));
  }
  return out;
}

/** An OTLP/HTTP receiver on loopback: takes what exporters post to /v1/traces, as JSON. */
async function startReceiver(): Promise<{ url: string; bodies: string[]; spans(): ReceivedSpan[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    spans() {
      const spans: ReceivedSpan[] = [];
      for (const body of bodies) {
        for (const rs of (JSON.parse(body) as OtlpExport).resourceSpans ?? []) {
          const service = String(plain(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, service, attributes: plain(s.attributes) });
        }
      }
      return spans;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A `baton` process whose output is kept, to show when a test fails. */
function baton(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [BATON, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  return { child, output: () => output };
}

/** Stops a process and waits for it to exit (its last spans are flushed on the way out). */
async function stop(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

describe('tracing settings', () => {
  test('off unless an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp says otherwise; none and OTEL_SDK_DISABLED win', () => {
    const settings = (env: Record<string, string>) => tracingSettings(loadConfig(env), 'baton-worker');
    assert.equal(settings({}), undefined);
    assert.deepEqual(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), {
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'baton-worker',
    });
    assert.deepEqual(
      settings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/v1/x',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'etl-workers',
      }),
      { url: 'https://traces.example/v1/x', protocol: 'http/json', serviceName: 'etl-workers' },
    );
    assert.equal(settings({ OTEL_TRACES_EXPORTER: 'otlp' })?.url, 'http://localhost:4318/v1/traces');
    // What the worker logs when it starts: no credentials from the URL.
    assert.deepEqual(describeTracing(settings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://me:hunter2@traces.example/v1/traces?key=k' })!), {
      url: 'https://traces.example/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'baton-worker',
    });
    assert.equal(settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), undefined);
    assert.equal(settings({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), undefined);
  });

  test('a bad value is refused with the variable named, all of them at once', () => {
    assert.throws(
      () => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'jaeger' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues.map((i) => i.path).sort(), ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_TRACES_EXPORTER']);
        assert.match(err.message, /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: must be 'http\/protobuf' or 'http\/json'/);
        assert.match(err.message, /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/);
        return true;
      },
    );
  });
});

/** One trace's spans, and where a span sits in it: its ancestors' names, nearest first, up to `root`. */
function traceOf(spans: ReceivedSpan[], root: ReceivedSpan) {
  const trace = spans.filter((s) => s.traceId === root.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const ancestry = (span: ReceivedSpan): string[] => {
    const names: string[] = [];
    for (let s: ReceivedSpan | undefined = span; s !== root && s?.parentSpanId;) {
      s = byId.get(s.parentSpanId);
      assert.ok(s, `${span.name}: a parent span was not received`);
      names.push(s.name);
    }
    return names;
  };
  const named = (name: string): ReceivedSpan[] => {
    const found = trace.filter((s) => s.name === name);
    assert.ok(found.length > 0, `no span ${name} in the trace of ${root.name}: ${trace.map((s) => s.name).join(', ')}`);
    return found;
  };
  return { trace, ancestry, named };
}

describe('tracing across the API, the flow run, its task runs and its subflow', { timeout: 300_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  const taskQueue = uid('tq');
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let worker: ReturnType<typeof baton>;
  let api: ReturnType<typeof baton>;
  let url: string;
  const logs = () => `\n--- worker ---\n${worker?.output()}\n--- api ---\n${api?.output()}`;
  /** Calls the API (it runs without keys, on loopback). */
  const call = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  before(
    async () => {
      receiver = await startReceiver();
      cleanups.push(() => receiver.close());
      const port = await freePort();
      const env = {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        // Batches leave every 200 ms instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '200',
      };
      // The worker logs (JSON) so the test can match log lines to spans.
      worker = baton(['worker', 'start', '--flows', FLOWS, '--task-queue', taskQueue], { ...env, BATON_LOG_LEVEL: 'info', BATON_LOG_FORMAT: 'json' });
      cleanups.push(() => stop(worker.child));
      api = baton(['api', 'start', '--flows', FLOWS, '--task-queue', taskQueue, '--port', String(port)], env);
      cleanups.push(() => stop(api.child));
      url = `http://127.0.0.1:${port}`;
      await eventually(
        () =>
          fetch(`${url}/api/health`).then(
            (r) => r.status < 500 || undefined,
            () => undefined,
          ),
        60_000,
      ).catch((err: unknown) => {
        console.error(logs());
        throw err;
      });
    },
    { timeout: 90_000 },
  );
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  test('one trace links the request, the flow run, its task attempts and its subflow, under Baton names; no parameter reaches a span', async () => {
    const word = uid('w');
    const secret = uid('secret-token');
    // The caller traces too: its traceparent makes the request part of the caller's trace.
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    try {
      const res = await call(
        'POST',
        '/api/flows/traced-parent/runs',
        { parameters: { word, apiToken: secret } },
        { traceparent: `00-${callerTrace}-${callerSpan}-01` },
      );
      assert.equal(res.status, 201, res.text);
      const id = String(res.body!.id);
      const run = await eventually(async () => {
        const r = (await call('GET', `/api/flow-runs/${id}`)).body as { state: string; result?: unknown };
        if (r.state === 'Failed' || r.state === 'Crashed') throw new Error(`the run ended ${r.state}: ${JSON.stringify(r)}`);
        return r.state === 'Completed' ? r : undefined;
      }, 180_000);
      assert.deepEqual(run.result, { loud: word.toUpperCase(), attempts: 2, child: `${word} again`.toUpperCase() });

      // Spans leave in batches; the flow runs' spans are among the last to end.
      const spans = await eventually(() => {
        const all = receiver.spans().filter((s) => s.traceId === callerTrace);
        const done = all.some((s) => s.name === 'RunWorkflow:traced-parent') && all.some((s) => s.name === 'RunWorkflow:traced-child');
        return done ? all : undefined;
      }, 30_000);

      const request = spans.find((s) => s.name === 'POST /api/flows/:name/runs');
      assert.ok(request, `the API's request span: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(request.service, 'baton-api');
      assert.equal(request.parentSpanId, callerSpan, "the request's parent is the caller's span");
      assert.equal(request.attributes['http.route'], '/api/flows/:name/runs');
      assert.equal(request.attributes['http.response.status_code'], 201);
      const { ancestry, named } = traceOf(spans, request);

      const [parentRun] = named('RunWorkflow:traced-parent');
      assert.equal(parentRun.service, 'baton-worker');
      assert.deepEqual(ancestry(parentRun), ['StartWorkflow:traced-parent', 'POST /api/flows/:name/runs']);
      assert.equal(parentRun.attributes['baton.flow.name'], 'traced-parent');
      assert.equal(parentRun.attributes['baton.flow_run.id'], id);
      assert.equal(parentRun.attributes['baton.flow_run.name'], `parent-${word}`);

      const [childRun] = named('RunWorkflow:traced-child');
      assert.deepEqual(ancestry(childRun).slice(0, 2), ['StartChildWorkflow:traced-child', 'RunWorkflow:traced-parent']);
      assert.equal(childRun.attributes['baton.flow.name'], 'traced-child');
      assert.equal(childRun.attributes['baton.flow_run.name'], `child-${word}`);
      assert.equal(childRun.attributes['baton.flow_run.parent_id'], id);
      const childId = childRun.attributes['baton.flow_run.id'];

      // Each task attempt is a span under the flow run that scheduled it.
      const shouts = named('RunActivity:traced-shout');
      assert.deepEqual(shouts.map((s) => s.attributes['baton.flow_run.id']).sort(), [id, childId].sort());
      const scheduled = named('StartActivity:traced-shout').map((s) => s.attributes['baton.task_run.name']);
      assert.deepEqual(scheduled.sort(), [`shout-${word}`, `shout-${word} again`].sort(), 'the task run names, on the spans of their scheduling');
      for (const shout of shouts) {
        assert.equal(shout.attributes['baton.task.name'], 'traced-shout');
        assert.equal(shout.attributes['baton.task_run.attempt'], 1);
        assert.deepEqual(ancestry(shout).slice(0, 2), [
          'StartActivity:traced-shout',
          shout.attributes['baton.flow_run.id'] === id ? 'RunWorkflow:traced-parent' : 'RunWorkflow:traced-child',
        ]);
        assert.match(String(shout.attributes['baton.task_run.id']), new RegExp(`^${String(shout.attributes['baton.flow_run.id'])}:`));
      }
      const flaky = named('RunActivity:traced-flaky').sort((a, b) => Number(a.attributes['baton.task_run.attempt']) - Number(b.attributes['baton.task_run.attempt']));
      assert.deepEqual(
        flaky.map((s) => [s.attributes['baton.task.name'], s.attributes['baton.task_run.attempt'], s.status?.code ?? 0]),
        [
          ['traced-flaky', 1, 2],
          ['traced-flaky', 2, 1],
        ],
        'both attempts: the first ERROR (2), the second OK (1)',
      );
      assert.deepEqual(
        flaky.map((s) => ancestry(s)[0]),
        ['StartActivity:traced-flaky', 'StartActivity:traced-flaky'],
      );
      assert.equal(new Set(flaky.map((s) => s.parentSpanId)).size, 1, 'the attempts share the one StartActivity span');
      for (const span of [childRun, ...shouts, ...flaky]) assert.equal(ancestry(span).at(-1), 'POST /api/flows/:name/runs');

      // Log lines carry the trace: the flow's (through Temporal's workflow logger) and a task attempt's.
      const lines = worker
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const flowLine = lines.find((l) => l.msg === 'parent starts' && l.flowRunId === id);
      assert.ok(flowLine, 'the flow logged');
      assert.equal(flowLine.trace_id, callerTrace);
      assert.equal(flowLine.span_id, parentRun.spanId);
      const retryLine = lines.find((l) => l.taskName === 'traced-flaky' && l.flowRunId === id && String(l.msg).startsWith('task failed, retry'));
      assert.ok(retryLine, "the task's first attempt logged its failure");
      assert.deepEqual([retryLine.trace_id, retryLine.span_id, retryLine.attempt], [callerTrace, flaky[0]!.spanId, 1]);

      // Parameters (the secret among them) are on no span.
      assert.ok(!receiver.bodies.some((b) => b.includes(secret)), 'a flow parameter reached an exported span');

      // A worker that stops tracing carries on with traced runs: their histories replay against an untraced bundle.
      const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue });
      cleanups.push(() => client.close());
      const untraced = await replayWorkerOptions({ flows: FLOWS, config: loadConfig() });
      assert.ok(!(untraced.workflowBundle as { code: string }).code.includes('OpenTelemetryInboundInterceptor'), 'the replay bundle is untraced');
      for (const runId of [id, String(childId)]) {
        const history = await client.temporal.workflow.getHandle(runId).fetchHistory();
        await Worker.runReplayHistory(untraced, history, runId);
      }
    } catch (err) {
      console.error(logs());
      throw err;
    }
  });

  test('the flow run an automation starts joins the trace of the event that triggered it', async () => {
    const deployment = uid('traced-dep');
    const automation = uid('traced-auto');
    const word = uid('ev');
    try {
      const deployed = await call('POST', '/api/deployments', { name: deployment, flow: 'traced-child', taskQueue });
      assert.equal(deployed.status, 201, deployed.text);
      cleanups.push(() => call('DELETE', `/api/deployments/${deployment}`).then(() => undefined));
      const automated = await call('POST', '/api/automations', {
        name: automation,
        trigger: { type: 'event', match: `trace.${automation}` },
        actions: [{ type: 'run-deployment', deployment, parameters: { word: '{{payload.word}}' } }],
      });
      assert.equal(automated.status, 201, automated.text);
      cleanups.push(() => call('DELETE', `/api/automations/${automation}`).then(() => undefined));
      const sent = await call('POST', '/api/events', { event: `trace.${automation}`, payload: { word } });
      assert.equal(sent.status, 202, sent.text);

      const spans = await eventually(() => {
        const all = receiver.spans();
        const request = all.find((s) => s.name === 'POST /api/events');
        const run = request && all.find((s) => s.traceId === request.traceId && s.name === 'RunWorkflow:traced-child');
        return run ? { all, request: request! } : undefined;
      }, 60_000);
      const { ancestry, named } = traceOf(spans.all, spans.request);
      const [run] = named('RunWorkflow:traced-child');
      assert.equal(run.attributes['baton.flow.name'], 'traced-child');
      // The request stores the event; the event's workflow matches it and acts: the action's task starts the run.
      assert.deepEqual(ancestry(run), [
        'StartWorkflow:traced-child',
        'RunActivity:baton.events.act',
        'StartActivity:baton.events.act',
        'RunWorkflow:baton.event',
        'StartWorkflow:baton.event',
        'POST /api/events',
      ]);
      const [shout] = named('RunActivity:traced-shout');
      assert.equal(shout.attributes['baton.flow_run.id'], run.attributes['baton.flow_run.id']);
    } catch (err) {
      console.error(logs());
      throw err;
    }
  });
});

describe('tracing off', { timeout: 300_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  test('off by default: a worker loads no OpenTelemetry SDK, and OTEL_TRACES_EXPORTER=none exports nothing', async () => {
    // In this process, without OTEL_* variables: a whole run, and no SDK module was loaded.
    const inProcess = await startWorker({ flows: FLOWS });
    try {
      const handle = await inProcess.client.flowRuns.start('traced-parent', { word: 'quiet', apiToken: 'x' });
      assert.deepEqual(await handle.result(), { loud: 'QUIET', attempts: 2, child: 'QUIET AGAIN' });
    } finally {
      await inProcess.stop();
    }
    const loaded = Object.keys(require.cache).filter((f) => /@opentelemetry[\\/](sdk-|exporter-|context-async-hooks)|interceptors-opentelemetry/.test(f));
    assert.deepEqual(loaded, []);

    // A worker process told `none` with an endpoint set: nothing reaches the receiver, even at exit (when spans are flushed).
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const taskQueue = uid('tq');
    const worker = baton(['worker', 'start', '--flows', FLOWS, '--task-queue', taskQueue], {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    cleanups.push(() => stop(worker.child));
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: loadModule(FLOWS).flows });
    cleanups.push(() => client.close());
    try {
      const handle = await client.flowRuns.start('traced-parent', { word: 'none', apiToken: 'x' });
      assert.deepEqual(await handle.result(), { loud: 'NONE', attempts: 2, child: 'NONE AGAIN' });
      await stop(worker.child);
      assert.equal(worker.child.exitCode, 0, worker.output());
      assert.equal(receiver.bodies.length, 0);
    } catch (err) {
      console.error(worker.output());
      throw err;
    }
  });
});
