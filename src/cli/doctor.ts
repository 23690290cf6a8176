/**
 * `baton doctor`: asks every part Baton needs whether it answers — Temporal (reachable, its
 * namespace, Baton's search attributes), the Web UI, the API and its key, the workers of each task
 * queue, the declared MCP servers, Redis when it holds the cache, and the Temporal CLI — and for a
 * part that does not, prints the likely cause and the command that fixes it. Every probe is
 * bounded; nothing secret (keys, tokens, an MCP server's env or headers) is printed.
 * Exit code 0 when every required part answers, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { loadConfig, type BatonConfig } from '../config';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes';
import { listTools } from '../mcp/mcp-call';
import { McpPool } from '../mcp/mcp-pool';
import { isStdioServer, transportOf } from '../mcp/mcp-server-config';
import { loadMcpServers } from '../mcp/mcp-servers';
import { cachedCliPath, TEMPORAL_CLI_VERSION } from '../server/temporal-cli';
import { configuredTarget } from '../server/temporal-server';
import { ApiClient } from './api-client';
import { list, parse } from './args';
import { formatResults, printableUrl, reason, within, type CheckResult } from './check-result';
import { printJson, say } from './output';

/** How long a probe of Temporal, the API, the Web UI or Redis waits. */
const PROBE_MS = 3_000;
/** How long an MCP server has to start and list its tools (a stdio server is a process to start). */
const MCP_PROBE_MS = 10_000;

const QueueType = temporal.api.enums.v1.TaskQueueType;

/** A search attribute type as the Temporal CLI spells it. */
const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

/** The Temporal server doctor asks: TEMPORAL_ADDRESS (or a profile), else the embedded server's port. */
function temporalTarget(config: BatonConfig, env: NodeJS.ProcessEnv) {
  const configured = configuredTarget(env);
  if (configured) return { ...configured, embedded: false };
  const address = `127.0.0.1:${config.BATON_TEMPORAL_PORT}`;
  return { address, namespace: 'default', connectionOptions: { address }, webUiUrl: env.BATON_WEB_UI_URL, embedded: true };
}

async function checkTemporal(config: BatonConfig, env: NodeJS.ProcessEnv, queues: string[]): Promise<CheckResult[]> {
  const target = temporalTarget(config, env);
  const { address, namespace } = target;
  let connection: Connection;
  try {
    connection = await within(PROBE_MS, () => Connection.connect({ ...target.connectionOptions, connectTimeout: PROBE_MS }), `Temporal at ${address}`);
    await within(PROBE_MS, () => connection.withDeadline(Date.now() + PROBE_MS, () => connection.workflowService.getSystemInfo({})), `Temporal at ${address}`);
  } catch (err) {
    const fix = target.embedded
      ? 'start it with `npx baton server start` (or `baton server start`), or set TEMPORAL_ADDRESS to a running server'
      : 'check TEMPORAL_ADDRESS (and TEMPORAL_TLS_* or TEMPORAL_API_KEY) and that the server runs';
    const skipped = (part: string): CheckResult => ({ part, status: 'skipped', detail: 'Temporal is not reachable' });
    return [
      { part: 'Temporal', status: 'failed', detail: `not reachable at ${address}: ${reason(err)}`, fix },
      skipped(`Temporal namespace '${namespace}'`),
      skipped('search attributes'),
      ...queues.map((q) => skipped(`workers (task queue '${q}')`)),
    ];
  }
  const call = <T>(work: () => Promise<T>) => within(PROBE_MS, () => connection.withDeadline(Date.now() + PROBE_MS, work), `Temporal at ${address}`);
  try {
    const results: CheckResult[] = [{ part: 'Temporal', status: 'ok', detail: `reachable at ${address}` }];
    try {
      await call(() => connection.workflowService.describeNamespace({ namespace }));
      results.push({ part: `Temporal namespace '${namespace}'`, status: 'ok', detail: 'exists' });
    } catch (err) {
      results.push({
        part: `Temporal namespace '${namespace}'`,
        status: 'failed',
        detail: `not found or not readable: ${reason(err)}`,
        fix: `create it: \`temporal operator namespace create --namespace ${namespace} --address ${address}\`, or set TEMPORAL_NAMESPACE`,
      });
      const behind = ['search attributes', ...queues.map((q) => `workers (task queue '${q}')`)];
      return [...results, ...behind.map((part): CheckResult => ({ part, status: 'skipped', detail: 'the namespace does not answer' }))];
    }
    results.push(await checkSearchAttributes(call, connection, namespace, address));
    results.push(...(await Promise.all(queues.map((q) => checkWorkers(call, connection, namespace, q)))));
    return results;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

type Call = <T>(work: () => Promise<T>) => Promise<T>;

async function checkSearchAttributes(call: Call, connection: Connection, namespace: string, address: string): Promise<CheckResult> {
  const part = 'search attributes';
  try {
    const listed = await call(() => connection.operatorService.listSearchAttributes({ namespace }));
    const known = new Set([...Object.keys(listed.customAttributes ?? {}), ...Object.keys(listed.systemAttributes ?? {})]);
    const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
    if (missing.length === 0) return { part, status: 'ok', detail: `Baton's ${ALL_SEARCH_ATTRIBUTES.length} are registered` };
    const create = missing.map(
      (k) => `\`temporal operator search-attribute create --namespace ${namespace} --address ${address} --name ${k.name} --type ${CLI_TYPE[k.type] ?? k.type}\``,
    );
    return {
      part,
      status: 'failed',
      detail: `missing: ${missing.map((k) => k.name).join(', ')} (runs cannot be started or listed by name)`,
      fix: `\`baton worker start\` registers them where the server allows; otherwise ${create.join('; ')}`,
    };
  } catch (err) {
    // Temporal Cloud refuses the operator API: not a fault of the setup.
    return {
      part,
      status: 'warning',
      detail: `cannot be listed (${reason(err)})`,
      fix: 'check them in the Temporal Cloud UI or with `tcld namespace search-attributes`',
    };
  }
}

async function checkWorkers(call: Call, connection: Connection, namespace: string, queue: string): Promise<CheckResult> {
  const part = `workers (task queue '${queue}')`;
  try {
    const [flows, tasks] = await Promise.all(
      [QueueType.TASK_QUEUE_TYPE_WORKFLOW, QueueType.TASK_QUEUE_TYPE_ACTIVITY].map((taskQueueType) =>
        call(() => connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType })),
      ),
    );
    const missing = [flows!.pollers?.length ? '' : 'flows', tasks!.pollers?.length ? '' : 'tasks'].filter(Boolean);
    if (missing.length) {
      return {
        part,
        status: 'failed',
        detail: `no worker polls it for ${missing.join(' or ')}`,
        fix: `start one where your flows are: \`baton worker start --flows <module> --task-queue ${queue}\``,
      };
    }
    const workers = new Set([...(flows!.pollers ?? []), ...(tasks!.pollers ?? [])].map((p) => p.identity));
    return { part, status: 'ok', detail: `${workers.size} ${workers.size === 1 ? 'worker polls' : 'workers poll'} it` };
  } catch (err) {
    return { part, status: 'failed', detail: `cannot tell: ${reason(err)}`, fix: 'retry; check that Temporal answers' };
  }
}

async function checkWebUi(target: { webUiUrl?: string; embedded: boolean }, config: BatonConfig): Promise<CheckResult> {
  const part = 'Web UI';
  const url = target.webUiUrl ?? (target.embedded ? `http://127.0.0.1:${config.BATON_TEMPORAL_UI_PORT}` : undefined);
  if (!url)
    return {
      part,
      status: 'skipped',
      detail: 'BATON_WEB_UI_URL is not set (links to runs name no Web UI)',
      fix: 'set BATON_WEB_UI_URL to the Web UI of your Temporal server',
    };
  try {
    const res = await within(PROBE_MS, () => fetch(url, { signal: AbortSignal.timeout(PROBE_MS), redirect: 'manual' }), `the Web UI at ${printableUrl(url)}`);
    await res.body?.cancel();
    if (res.status >= 500) throw new Error(`answered ${res.status}`);
    return { part, status: 'ok', detail: `answers at ${printableUrl(url)}` };
  } catch (err) {
    // Runs go on without it: a warning, not a failure.
    return {
      part,
      status: 'warning',
      detail: `no answer at ${printableUrl(url)}: ${reason(err)}`,
      fix: target.embedded ? '`npx baton server start` serves it with the embedded server' : 'check BATON_WEB_UI_URL',
    };
  }
}

async function checkApi(config: BatonConfig): Promise<CheckResult[]> {
  const url = printableUrl(config.BATON_API_URL);
  const fix = 'start it: `npx baton server start` (Temporal, the API and a worker) or `baton api start --flows <module>`; or set BATON_API_URL';
  try {
    const res = await within(PROBE_MS, () => fetch(new URL('/api/health', config.BATON_API_URL), { signal: AbortSignal.timeout(PROBE_MS) }), `the API at ${url}`);
    const body = (await res.json().catch(() => undefined)) as { temporal?: unknown } | undefined;
    if (!body?.temporal) throw new Error(`GET /api/health answered ${res.status} without Baton's health: is BATON_API_URL a Baton API?`);
  } catch (err) {
    return [
      { part: 'API', status: 'failed', detail: `no answer at ${url}: ${reason(err)}`, fix },
      { part: 'API key', status: 'skipped', detail: 'the API does not answer' },
    ];
  }
  const api = new ApiClient(config.BATON_API_URL, config.BATON_API_KEY);
  const results: CheckResult[] = [{ part: 'API', status: 'ok', detail: `answers at ${url}` }];
  try {
    await within(PROBE_MS, () => api.call('GET', '/api/flows'), `the API at ${url}`);
    results.push({ part: 'API key', status: 'ok', detail: config.BATON_API_KEY ? 'accepted' : 'none needed' });
  } catch (err) {
    const refused = (err as { code?: string }).code === 'UNAUTHORIZED';
    results.push({
      part: 'API key',
      status: 'failed',
      detail: refused
        ? `not accepted: ${config.BATON_API_KEY ? 'BATON_API_KEY is not one of the API' : 'the API needs a key and BATON_API_KEY is not set'}`
        : reason(err),
      fix: refused ? "set BATON_API_KEY to a key of the API's BATON_API_KEYS (admin to deploy or run)" : 'retry; `GET /api/health` shows what the API reaches',
    });
  }
  return results;
}

async function checkMcpServers(config: BatonConfig): Promise<CheckResult[]> {
  let declared;
  try {
    declared = loadMcpServers(config);
  } catch (err) {
    return [{ part: 'MCP servers', status: 'failed', detail: reason(err, 400), fix: 'correct BATON_MCP_SERVERS or mcpServers in baton.yaml (BATON_MCP_FILE)' }];
  }
  const names = Object.keys(declared.servers).sort();
  if (names.length === 0) return [{ part: 'MCP servers', status: 'skipped', detail: 'none declared (BATON_MCP_SERVERS, mcpServers in baton.yaml)' }];
  // The servers' own output stays out of the report.
  const pool = new McpPool(declared.servers, pino({ level: 'silent' }));
  try {
    return await Promise.all(
      names.map(async (name): Promise<CheckResult> => {
        const server = declared.servers[name]!;
        const source = declared.sources[name]!;
        // What it runs or where it is; never its args, env or headers, which may hold secrets.
        const what = isStdioServer(server) ? `command '${path.basename(server.command)}'` : printableUrl(server.url);
        const part = `MCP server '${name}'`;
        const started = Date.now();
        try {
          const tools = await within(MCP_PROBE_MS, () => pool.bind(() => listTools(name))(), `MCP server '${name}'`);
          return { part, status: 'ok', detail: `${transportOf(server)} ${what}: ${tools.length} tools in ${Date.now() - started} ms` };
        } catch (err) {
          return {
            part,
            status: 'failed',
            detail: `${transportOf(server)} ${what} did not answer: ${reason(err)}`,
            fix: isStdioServer(server)
              ? `install the command or correct it in ${source}; \`baton mcp tools ${name}\` shows its error (BATON_LOG_LEVEL=debug its output)`
              : `start the server, or correct its url in ${source}; \`baton mcp tools ${name}\` asks it again`,
          };
        }
      }),
    );
  } finally {
    await pool.close().catch(() => undefined);
  }
}

async function checkRedis(config: BatonConfig): Promise<CheckResult> {
  const part = 'Redis';
  if (config.BATON_CACHE_STORE !== 'redis') return { part, status: 'skipped', detail: 'BATON_CACHE_STORE is file: cached results are files on each machine' };
  if (!config.BATON_REDIS_URL)
    return { part, status: 'failed', detail: "BATON_CACHE_STORE is 'redis' but BATON_REDIS_URL is not set", fix: 'set BATON_REDIS_URL (redis://host:6379)' };
  const url = printableUrl(config.BATON_REDIS_URL);
  // Loaded only when Redis holds the cache, as the worker does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createClient } = require('redis') as typeof import('redis');
  const redis = createClient({ url: config.BATON_REDIS_URL, socket: { connectTimeout: PROBE_MS, reconnectStrategy: false } });
  redis.on('error', () => undefined);
  try {
    const pong = await within(
      PROBE_MS,
      async () => {
        await redis.connect();
        return redis.ping();
      },
      `Redis at ${url}`,
    );
    return { part, status: 'ok', detail: `answers at ${url} (${pong})` };
  } catch (err) {
    return {
      part,
      status: 'failed',
      detail: `no answer at ${url}: ${reason(err)}`,
      fix: 'start it (`redis-server`, or the redis service of the Compose file), or correct BATON_REDIS_URL; or set BATON_CACHE_STORE=file',
    };
  } finally {
    try {
      redis.destroy();
    } catch {
      // never connected
    }
  }
}

function checkTemporalCli(config: BatonConfig, env: NodeJS.ProcessEnv): CheckResult {
  const part = 'Temporal CLI';
  const onPath = (env.PATH ?? '').split(path.delimiter).map((d) => d && path.join(d, 'temporal'));
  const candidates = [env.BATON_TEMPORAL_CLI, ...onPath, cachedCliPath(config.BATON_TEMPORAL_CLI_CACHE)].filter((f): f is string => !!f);
  const found = candidates.find((f) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  });
  // Needed only to start the embedded server: its absence is a warning.
  const fix = `\`npx baton server install\` builds ${TEMPORAL_CLI_VERSION} with Go (1.24+) into ${path.dirname(cachedCliPath(config.BATON_TEMPORAL_CLI_CACHE))}, or put \`temporal\` on PATH (or BATON_TEMPORAL_CLI)`;
  if (!found) return { part, status: 'warning', detail: 'not found (needed only to start the embedded server)', fix };
  const r = spawnSync(found, ['--version'], { encoding: 'utf8', timeout: PROBE_MS });
  const version = (r.stdout || '').trim().split('\n')[0];
  if (r.status !== 0 || !version) return { part, status: 'warning', detail: `${found} does not run: ${r.error ? reason(r.error) : `exit ${r.status}`}`, fix };
  return { part, status: 'ok', detail: `${found}: ${version}` };
}

/** Every part's result, in the order they are printed. */
export async function diagnose(options: { taskQueues?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<CheckResult[]> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const queues = options.taskQueues?.length ? [...new Set(options.taskQueues)] : [config.BATON_TASK_QUEUE];
  const target = temporalTarget(config, env);
  const [temporalResults, webUi, api, mcp, redis] = await Promise.all([
    checkTemporal(config, env, queues),
    checkWebUi(target, config),
    checkApi(config),
    checkMcpServers(config),
    checkRedis(config),
  ]);
  return [...temporalResults, webUi, ...api, ...mcp, redis, checkTemporalCli(config, env)];
}

/** `baton doctor [--task-queue q]... [--json]`. */
export async function doctor(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' }, 'task-queue': { type: 'string', multiple: true } });
  const results = await diagnose({ taskQueues: list(values, 'task-queue') });
  const healthy = results.every((r) => r.status !== 'failed');
  if (values.json) printJson({ healthy, parts: results });
  else {
    say(formatResults(results));
    const failed = results.filter((r) => r.status === 'failed').length;
    say(healthy ? '\nevery required part answers' : `\n${failed} part${failed === 1 ? '' : 's'} need${failed === 1 ? 's' : ''} attention`);
  }
  return healthy ? 0 : 1;
}
