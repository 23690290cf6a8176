/**
 * A Temporal cluster on PostgreSQL on this machine, for `npm run test:cluster`: a private
 * PostgreSQL (postgres.ts), both schemas applied with temporal-sql-tool, and temporal-server (all
 * four services in one process) started with Baton's docker/temporal/cluster.yaml on free
 * loopback ports; then the namespace and Baton's search attributes. The server can be killed with
 * SIGKILL and started again on the same database and ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { loadConfig } from '../../src/config';
import { locateTemporalServer, type TemporalServerBuild } from '../../src/server/temporal-cluster';
import { ensureSearchAttributes, waitForServer } from '../../src/server/temporal-server';
import { startPostgres, type Postgres } from './postgres';

const DOCKER = path.resolve(__dirname, '..', '..', 'docker');

export interface LocalCluster {
  /** `127.0.0.1:<port>` of the frontend: Baton's TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  postgres: Postgres;
  /** The running server process (a new one after each `start`). */
  server(): ChildProcess;
  /** The server's output, appended to by every start. */
  logFile: string;
  /** SIGKILL to the server; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same database and ports; resolves once the namespace answers. Returns milliseconds taken. */
  start(): Promise<number>;
  /** Stops the server and PostgreSQL and removes the temp dir. */
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  namespace?: string;
  log?: (line: string) => void;
  /** Milliseconds each start may take until the frontend answers. */
  readyTimeoutMs?: number;
}

type Step = (line: string) => void;

function tail(file: string, lines = 12): string {
  try {
    // Lines cut short: the server's JSON lines carry whole stack traces.
    return fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)} ...` : l))
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * A free loopback port below 32768. The server stores each membership port in a PostgreSQL
 * `smallint` column (cluster_membership.rpc_port): it refuses to start on an ephemeral port above
 * that ("value is out of range for type smallint").
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('found no free loopback port between 20000 and 32000');
}

/** Runs a command to its end with a time limit; throws with its output when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (c: Buffer) => (output = (output + String(c)).slice(-8_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ')} failed (${signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `exit ${code}`}):\n${output.trim()}`,
          ),
        );
    });
  });
}

/** Creates both databases and brings their schemas to the server's version; safe to repeat. */
export async function setupSchemas(build: TemporalServerBuild, pg: Postgres): Promise<void> {
  const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: pg.host, SQL_PORT: String(pg.port), SQL_USER: pg.user, SQL_PASSWORD: pg.password };
  for (const [db, kind] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ]) {
    await run(build.sqlTool, ['--db', db, 'create-database'], env, 60_000);
    await run(build.sqlTool, ['--db', db, 'setup-schema', '-v', '0.0'], env, 60_000);
    await run(build.sqlTool, ['--db', db, 'update-schema', '-d', path.join(build.schemaDir, 'postgresql', 'v12', kind, 'versioned')], env, 60_000);
  }
}

/**
 * Registers the namespace (retention 3 days) unless it exists. The frontend's health check can
 * say SERVING before it takes RPCs, so this retries until `deadline`.
 */
async function ensureNamespace(address: string, namespace: string, deadline: number, exited: () => string | undefined): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) throw new Error(gone);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
        return;
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`could not register namespace ${namespace} at ${address}: ${(lastError as Error)?.message ?? lastError}`);
}

/** Retries until the search attributes are registered and a query on them is accepted. */
async function ensureSearchable(address: string, namespace: string, deadline: number, log: Step): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await ensureSearchAttributes({ address }, namespace, log);
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: 'BatonFlow = "probe" AND BatonTags = "probe"' });
      } finally {
        await connection.close();
      }
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Baton's search attributes were not usable at ${address}: ${(lastError as Error)?.message ?? lastError}`);
}

/** Starts PostgreSQL, the schemas and the server; see the file's comment. Everything stops at this process's exit. */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const log = options.log ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const build = await locateTemporalServer({ cacheDir: loadConfig().BATON_TEMPORAL_CLI_CACHE, log });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cluster-'));
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  let postgres: Postgres | undefined;
  let child: ChildProcess | undefined;
  const killServer = () => child?.kill('SIGKILL');
  process.once('exit', killServer);
  try {
    let t = Date.now();
    postgres = await startPostgres(dir);
    log(`PostgreSQL ready on ${postgres.host}:${postgres.port} in ${Date.now() - t} ms`);
    t = Date.now();
    await setupSchemas(build, postgres);
    log(`schemas set up in ${Date.now() - t} ms`);
    const names = ['FRONTEND_GRPC_PORT', 'FRONTEND_HTTP_PORT', 'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT'];
    names.push('MATCHING_GRPC_PORT', 'MATCHING_MEMBERSHIP_PORT', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT');
    const ports: Record<string, string> = {};
    const taken = new Set<number>();
    for (const name of names) ports[name] = String(await freeLowPort(taken));
    const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
    const logFile = path.join(dir, 'temporal-server.log');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...ports,
      BIND_ON_IP: '127.0.0.1',
      POSTGRES_SEEDS: postgres.host,
      DB_PORT: String(postgres.port),
      POSTGRES_USER: postgres.user,
      POSTGRES_PWD: postgres.password,
      DYNAMIC_CONFIG_FILE_PATH: path.join(DOCKER, 'temporal', 'dynamicconfig.yaml'),
      LOG_LEVEL: 'warn',
    };
    const pg = postgres;

    const start = async (): Promise<number> => {
      const started = Date.now();
      const out = fs.openSync(logFile, 'a');
      const server = spawn(build.server, ['--root', DOCKER, '--config', 'temporal', '--env', 'cluster', '--allow-no-auth', 'start'], {
        cwd: dir,
        env,
        stdio: ['ignore', out, out],
      });
      fs.closeSync(out);
      child = server;
      let exitMessage: string | undefined;
      server.once('exit', (code, signal) => {
        exitMessage = `temporal-server exited (${signal ?? `code ${code}`}); last lines of ${logFile}:\n${tail(logFile)}`;
      });
      const deadline = started + readyTimeoutMs;
      try {
        await ensureNamespace(address, namespace, deadline, () => exitMessage);
        await waitForServer({ address }, namespace, Math.max(1_000, deadline - Date.now()), () => exitMessage);
        await ensureSearchable(address, namespace, deadline, log);
      } catch (err) {
        server.kill('SIGKILL');
        const message = (err as Error).message;
        throw new Error(message.includes(logFile) ? message : `${message}\nlast lines of ${logFile}:\n${tail(logFile)}`);
      }
      return Date.now() - started;
    };
    const kill = async () => {
      const server = child;
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGKILL');
      await exited;
    };

    const ms = await start();
    log(`Temporal server ready on ${address} in ${ms} ms (data in PostgreSQL ${pg.host}:${pg.port})`);
    return {
      address,
      namespace,
      postgres: pg,
      logFile,
      server: () => child!,
      kill,
      start,
      async stop() {
        const server = child;
        if (server && server.exitCode === null && server.signalCode === null) {
          const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
          server.kill('SIGTERM');
          const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        await pg.stop();
        process.removeListener('exit', killServer);
        process.removeListener('exit', removeDir);
        removeDir();
      },
    };
  } catch (err) {
    killServer();
    await postgres?.stop();
    process.removeListener('exit', killServer);
    process.removeListener('exit', removeDir);
    removeDir();
    throw err;
  }
}
