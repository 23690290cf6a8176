/**
 * Which Temporal server Baton talks to, in one place shared by the CLI, `npm start`, workers
 * and the tests:
 *   1. TEMPORAL_ADDRESS set → that server (namespace, TLS and API key read by Temporal's envconfig);
 *   2. otherwise the embedded dev server (`temporal server start-dev`), with a SQLite file under
 *      BATON_HOME so runs survive restarts, started from the CLI on PATH or in the cache, or
 *      built with Go first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { temporal } from '@temporalio/proto';
import type { BatonConfig } from '../config';
import { TemporalUnavailableError } from '../core/errors';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes';
import { withoutSecrets } from './child-env';
import { locateTemporalCli } from './temporal-cli';

/** How to reach a Temporal server, and the dev server process when Baton started one. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ConnectionOptions;
  /** Base URL of the Web UI, when known. */
  webUiUrl?: string;
  /** Set when Baton started the server; `stop()` ends it. */
  devServer?: DevServer;
}

export interface DevServer {
  /**
   * The `temporal server start-dev` process. The CLI embeds the server, so unless BATON_TEMPORAL_CLI
   * names a wrapper script, this process itself serves the port and holds `dbFile`.
   */
  process: ChildProcess;
  /** The SQLite file. Another `startDevServer` on the same file (and port) continues its runs. */
  dbFile: string;
  /** The server's output, appended to by every start on the same `dbFile`. */
  logFile: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

type Log = (line: string) => void;

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

/** Variables that name a Temporal server to use instead of the embedded one. */
const TARGET_VARIABLES = ['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE'];

/** The server named by TEMPORAL_ADDRESS, a profile or a config file, or undefined when none is. */
export function configuredTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget | undefined {
  if (!TARGET_VARIABLES.some((v) => env[v])) return undefined;
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  return {
    address: connectionOptions.address ?? env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: namespace ?? 'default',
    connectionOptions: connectionOptions as ConnectionOptions,
    webUiUrl: env.BATON_WEB_UI_URL,
  };
}

function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Asks the OS for a free loopback port (used by tests and benchmarks). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Probes the server until its namespace answers, never sleeping blindly: each probe is a real
 * RPC. Fails fast when `exited` reports that the server process ended.
 */
export async function waitForServer(options: ConnectionOptions, namespace: string, timeoutMs: number, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const gone = exited?.();
    if (gone) throw new TemporalUnavailableError(gone);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ ...options, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new TemporalUnavailableError(
    `Temporal at ${options.address} did not answer within ${Math.round(timeoutMs / 1000)} s: ${(lastError as Error)?.message ?? lastError}`,
  );
}

/** Creates Baton's search attributes that the namespace lacks (start-dev ignores them for an existing db). */
export async function ensureSearchAttributes(options: ConnectionOptions, namespace: string, log: Log): Promise<void> {
  const connection = await Connection.connect(options);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
    const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      if (!known.has(key.name)) missing[key.name] = INDEXED_TYPE[key.type]!;
    }
    if (Object.keys(missing).length === 0) return;
    log(`registering search attributes ${Object.keys(missing).join(', ')}`);
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } finally {
    await connection.close();
  }
}

/**
 * Dynamic config Baton gives the embedded server.
 * - The timer queue's default look-ahead shift (1 s) rounds every retry delay and timer below a
 *   second up to about a second; at 10 ms a 0.2 s retry delay takes 0.2 s (measured: retry gaps
 *   220/612/1217 ms for delays 0.2/0.6/1.2 s, against 994/1005/1216 ms with the default).
 * - Eager activity execution hands a scheduled task straight to the worker that scheduled it,
 *   skipping a trip through the task queue; it changes nothing about what is recorded (measured
 *   with `npx tsx bench/probe-w2.ts`: a raw Temporal chain of 50 tasks, 86.6 → 34.4 ms per step;
 *   SQLite's synchronous mode made no difference: 34.4 ms with FULL, NORMAL or OFF).
 * - The history service reads its transfer and timer queues at most 20 times a second per shard by
 *   default, and the dev server has one shard: once that burst is spent, every sequential step
 *   waited for the next read, 50 ms, however fast the host (and each short timer about 200 ms).
 *   Tasks are committed with the history before any read, so a higher limit only reads back
 *   sooner what is already durable (bench/FIXED-WAIT.md: a raw chain of 100, 41.8 → 10.7-22.8 ms
 *   per step on a loaded 2-core machine).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = {
  'history.timerProcessorMaxTimeShift': '10ms',
  'system.enableActivityEagerExecution': true,
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 1000,
};

/** SQLite pragmas of the embedded server. */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal'];

export interface StartDevServerOptions {
  config: BatonConfig;
  /** SQLite file; defaults to `<BATON_HOME>/temporal.db`. */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  /** Extra `--dynamic-config-value KEY=VALUE` settings. */
  dynamicConfig?: Record<string, unknown>;
  /** SQLite pragmas, replacing the defaults (`journal_mode=wal`). */
  sqlitePragmas?: string[];
  log?: Log;
  /** Milliseconds to wait for readiness. */
  readyTimeoutMs?: number;
}

/** Starts `temporal server start-dev` with SQLite persistence (WAL) and the Web UI, and waits until it answers. */
export async function startDevServer(options: StartDevServerOptions): Promise<TemporalTarget> {
  const { config } = options;
  const log = options.log ?? (() => undefined);
  const port = options.port ?? config.BATON_TEMPORAL_PORT;
  const uiPort = options.uiPort ?? config.BATON_TEMPORAL_UI_PORT;
  const namespace = options.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;
  const webUiUrl = config.BATON_WEB_UI_URL ?? `http://127.0.0.1:${uiPort}`;

  if (await portInUse(port)) {
    // A server already listens there (another `baton` or `temporal` process): use it if it is Temporal.
    try {
      await waitForServer({ address }, namespace, 3_000);
    } catch {
      throw new TemporalUnavailableError(`port ${port} is in use by something that is not a Temporal server; set BATON_TEMPORAL_PORT to another port`);
    }
    log(`using the Temporal server already listening on ${address}`);
    await ensureSearchAttributes({ address }, namespace, log);
    return { address, namespace, connectionOptions: { address }, webUiUrl };
  }

  const binary = await locateTemporalCli({ cacheDir: config.BATON_TEMPORAL_CLI_CACHE, log });
  fs.mkdirSync(config.BATON_HOME, { recursive: true });
  const dbFile = options.dbFile ?? path.join(config.BATON_HOME, 'temporal.db');
  const logFile = path.join(path.dirname(dbFile), `${path.basename(dbFile, '.db')}-server.log`);
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-ip',
    '127.0.0.1',
    '--ui-port',
    String(uiPort),
    '--namespace',
    namespace,
    ...(options.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p]),
    // With every payload encrypted, the Web UI asks the API's codec server to show them as JSON.
    ...(config.BATON_ENCRYPTION_KEYS?.length && config.BATON_API_PORT > 0 ? ['--ui-codec-endpoint', `http://127.0.0.1:${config.BATON_API_PORT}/api/codec`] : []),
    '--log-level',
    'warn',
    '--disable-config-file',
    '--disable-config-env',
  ];
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${key.type === 'KEYWORD_LIST' ? 'KeywordList' : 'Keyword'}`);
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const out = fs.openSync(logFile, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', out, out], detached: false, env: withoutSecrets(process.env) });
  fs.closeSync(out);
  // If this process dies without stopping the server, take the server with it.
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  let exitMessage: string | undefined;
  child.on('exit', (code, signal) => {
    const tail = safeTail(logFile);
    exitMessage = `the Temporal dev server exited (${signal ?? `code ${code}`}) before it was ready; last lines of ${logFile}:\n${tail}`;
  });
  log(`starting the Temporal dev server on ${address} (Web UI ${webUiUrl}, data ${dbFile})`);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForServer({ address }, namespace, options.readyTimeoutMs ?? 60_000, () => exitMessage);
    await ensureSearchAttributes({ address }, namespace, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    namespace,
    connectionOptions: { address },
    webUiUrl,
    devServer: { process: child, dbFile, logFile, stop },
  };
}

function safeTail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** TEMPORAL_ADDRESS when set (after a probe), otherwise the embedded dev server. */
export async function resolveTemporal(config: BatonConfig, log: Log = () => undefined): Promise<TemporalTarget> {
  const configured = configuredTarget();
  if (configured) {
    await waitForServer(configured.connectionOptions, configured.namespace, 10_000);
    try {
      await ensureSearchAttributes(configured.connectionOptions, configured.namespace, log);
    } catch (err) {
      // Temporal Cloud and locked-down clusters refuse the operator API; attributes are then an admin's job.
      log(`could not check Baton's search attributes (${(err as Error).message}); make sure they exist`);
    }
    return configured;
  }
  return startDevServer({ config, log });
}
