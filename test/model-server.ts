/**
 * A scripted OpenAI-compatible model server on loopback, standing in for the model provider (and
 * nothing else) in the LLM tests. It answers `POST /v1/chat/completions` (plain JSON, or SSE when
 * the request has `stream: true`, with usage when `stream_options.include_usage` asks for it) and
 * `POST /v1/embeddings`, from replies a test scripts: a queue, or a function of the request. It can
 * fail on purpose (any status, with headers such as Retry-After; a connection dropped mid-stream)
 * and records every request, so tests assert what was sent. With nothing scripted it answers 500
 * "no reply scripted", so a test that forgot a reply fails loudly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case header names, as Node gives them. */
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** The body as received. */
  raw: string;
  /** `Date.now()` when the request arrived. */
  at: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object is sent as its JSON. */
  arguments: string | Record<string, unknown>;
}

/** One reply. A chat reply is sent streamed or not, as the request asks. */
export type Reply =
  | {
      kind: 'text';
      text: string;
      /** How a streamed reply is cut into deltas. Default: one delta per word (with its space). */
      chunks?: string[];
      usage?: Usage;
      /** Delay before each streamed delta, in ms (bounded: at most 1,000). */
      chunkDelayMs?: number;
    }
  | { kind: 'json'; value: unknown; usage?: Usage }
  | { kind: 'tool-calls'; calls: ScriptedToolCall[]; usage?: Usage }
  | { kind: 'error'; status: number; headers?: Record<string, string>; body?: unknown }
  /** A streamed reply whose connection is destroyed after `afterChunks` deltas (or a plain one, at once). */
  | { kind: 'drop'; text: string; afterChunks: number }
  | { kind: 'embeddings'; vectors: number[][]; usage?: { promptTokens: number } };

export type Script = Reply | ((request: RecordedRequest) => Reply);

const DEFAULT_USAGE: Usage = { promptTokens: 11, completionTokens: 7 };

/** Words with their following space: what a streamed text reply is cut into by default. */
export function wordChunks(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

export class ModelServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private readonly queue: Script[] = [];
  private fallback: ((request: RecordedRequest) => Reply) | undefined;
  private sequence = 0;

  private constructor(
    private readonly server: http.Server,
    /** `http://127.0.0.1:<port>`. */
    readonly origin: string,
  ) {}

  /** The base URL an OpenAI-compatible client is given: `<origin>/v1`. */
  get baseURL(): string {
    return `${this.origin}/v1`;
  }

  /** Starts a server on a free loopback port. */
  static async start(): Promise<ModelServer> {
    const ready: { self?: ModelServer } = {};
    const server = http.createServer((req, res) => void ready.self!.handle(req, res));
    // A test's keep-alive connections must not hold close() open.
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    ready.self = new ModelServer(server, `http://127.0.0.1:${port}`);
    return ready.self;
  }

  /** Queues replies, answered in order, one per request. */
  reply(...replies: Script[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Answers every request the queue does not, with a function of the request. */
  replyWith(fn: ((request: RecordedRequest) => Reply) | undefined): this {
    this.fallback = fn;
    return this;
  }

  /** Forgets queued replies, the fallback and recorded requests (between tests). */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.fallback = undefined;
  }

  /** Requests to the chat endpoint. */
  chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions');
  }

  /** Resolves once `count` requests have arrived; fails after `timeoutMs`. */
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`model server got ${this.requests.length} requests within ${timeoutMs} ms, want ${count}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.requests.slice(0, count);
  }

  /** Stops listening and closes every connection; bounded by 5 s. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const request: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body, raw, at: Date.now() };
    this.requests.push(request);
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/embeddings')) {
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    }
    const script = this.queue.shift() ?? this.fallback;
    if (!script) return sendJson(res, 500, { error: { message: 'no reply scripted', type: 'server_error' } });
    const reply = typeof script === 'function' ? script(request) : script;
    const id = `chatcmpl-${++this.sequence}`;
    const model = typeof body?.model === 'string' ? body.model : 'unknown';
    if (reply.kind === 'error') {
      return sendJson(res, reply.status, reply.body ?? { error: { message: `scripted ${reply.status}`, type: 'scripted' } }, reply.headers);
    }
    if (reply.kind === 'embeddings') {
      const tokens = reply.usage?.promptTokens ?? 3;
      return sendJson(res, 200, {
        object: 'list',
        model,
        data: reply.vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    }
    if (body?.stream === true) return this.stream(res, reply, id, model, body);
    if (reply.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    const usage = reply.usage ?? DEFAULT_USAGE;
    const message =
      reply.kind === 'tool-calls'
        ? { role: 'assistant', content: null, tool_calls: reply.calls.map((c, i) => toolCall(c, i)) }
        : { role: 'assistant', content: reply.kind === 'json' ? JSON.stringify(reply.value) : reply.text };
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message, finish_reason: reply.kind === 'tool-calls' ? 'tool_calls' : 'stop' }],
      usage: usageJson(usage),
    });
  }

  private async stream(res: http.ServerResponse, reply: Reply, id: string, model: string, body: Record<string, unknown>): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const send = (text: string) => new Promise<void>((resolve) => res.write(text, () => resolve()));
    let finish = 'stop';
    let usage = DEFAULT_USAGE;
    if (reply.kind === 'tool-calls') {
      finish = 'tool_calls';
      usage = reply.usage ?? usage;
      for (const [index, call] of reply.calls.entries()) {
        const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
        await send(
          chunk({ role: 'assistant', tool_calls: [{ index, id: call.id ?? `call_${index + 1}`, type: 'function', function: { name: call.name, arguments: '' } }] }),
        );
        // Arguments arrive in fragments, as real providers send them.
        for (let at = 0; at < args.length; at += 8) await send(chunk({ tool_calls: [{ index, function: { arguments: args.slice(at, at + 8) } }] }));
      }
    } else {
      const text = reply.kind === 'json' ? JSON.stringify(reply.value) : reply.kind === 'text' || reply.kind === 'drop' ? reply.text : '';
      const pieces = reply.kind === 'text' && reply.chunks ? reply.chunks : wordChunks(text);
      const delayMs = reply.kind === 'text' ? Math.min(1_000, reply.chunkDelayMs ?? 0) : 0;
      if (reply.kind === 'text' || reply.kind === 'json') usage = reply.usage ?? usage;
      await send(chunk({ role: 'assistant', content: '' }));
      for (const [n, piece] of pieces.entries()) {
        if (reply.kind === 'drop' && n >= reply.afterChunks) {
          res.socket?.destroy();
          return;
        }
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        await send(chunk({ content: piece }));
      }
    }
    await send(chunk({}, finish));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) {
      await send(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage: usageJson(usage) })}\n\n`);
    }
    await send('data: [DONE]\n\n');
    res.end();
  }
}

function toolCall(call: ScriptedToolCall, index: number) {
  const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
  return { id: call.id ?? `call_${index + 1}`, type: 'function', function: { name: call.name, arguments: args } };
}

function usageJson(usage: Usage) {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
