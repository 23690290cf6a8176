/**
 * Finds the Temporal server and its SQL schema tool, or builds them from Go modules into the
 * per-user cache, as temporal-cli.ts does for the CLI. They run a Temporal cluster on PostgreSQL
 * (`npm run test:cluster`, the Compose stack's offline images) with docker/temporal/cluster.yaml.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TemporalUnavailableError } from '../core/errors';
import { withoutSecrets } from './child-env';
import { goInstall, isExecutable, onPath, type LocateOptions } from './temporal-cli';

/**
 * The server release Baton builds: the one the pinned CLI (TEMPORAL_CLI_VERSION, v1.5.1) embeds
 * in its dev server, so a cluster runs the same server code, schema and defaults the tests run on.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
const PACKAGES = { server: `${SERVER_MODULE}/cmd/server`, sqlTool: `${SERVER_MODULE}/cmd/tools/sql` };

/** A server build: the two binaries and the schema folder the SQL tool applies. */
export interface TemporalServerBuild {
  /** `temporal-server`: all four services (frontend, history, matching, worker) in one process by default. */
  server: string;
  /** `temporal-sql-tool`: creates databases and applies schema migrations. */
  sqlTool: string;
  /** `<dir>/postgresql/v12/{temporal,visibility}/versioned`, as in the server's module (and its Docker image's /etc/temporal/schema). */
  schemaDir: string;
}

/** The layout of a build folder, whether the cache or BATON_TEMPORAL_SERVER_DIR. */
export function serverBuildIn(dir: string): TemporalServerBuild {
  return { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool'), schemaDir: path.join(dir, 'schema') };
}

/** Where the cached build of the pinned version lives: beside the CLI's, in BATON_TEMPORAL_CLI_CACHE. */
export function cachedServerDir(cacheDir: string): string {
  return path.join(cacheDir, `server-${TEMPORAL_SERVER_VERSION}`);
}

function complete(build: TemporalServerBuild): boolean {
  return isExecutable(build.server) && isExecutable(build.sqlTool) && fs.existsSync(path.join(build.schemaDir, 'postgresql', 'v12', 'temporal', 'versioned'));
}

/**
 * Returns a usable server build: BATON_TEMPORAL_SERVER_DIR (a folder laid out like the cache), then
 * the cache, then a fresh build with Go. Throws an error saying what to do when none works.
 */
export async function locateTemporalServer(options: LocateOptions): Promise<TemporalServerBuild> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const explicit = env.BATON_TEMPORAL_SERVER_DIR;
  if (explicit) {
    const build = serverBuildIn(explicit);
    if (complete(build)) return build;
    throw new TemporalUnavailableError(
      `BATON_TEMPORAL_SERVER_DIR is set to ${explicit}, which lacks an executable temporal-server or temporal-sql-tool, or schema/postgresql/v12`,
    );
  }
  const dir = cachedServerDir(options.cacheDir);
  const cached = serverBuildIn(dir);
  if (complete(cached)) return cached;
  const go = onPath('go', env);
  if (!go) {
    throw new TemporalUnavailableError(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} is not built. Install Go (1.25 or newer) so Baton can build it into ${dir}, ` +
        'or set BATON_TEMPORAL_SERVER_DIR to a folder holding temporal-server, temporal-sql-tool and schema/ (as in the temporalio/server and admin-tools images)',
    );
  }
  // Built beside the cache and renamed into place: a build that dies half-way leaves no cache entry.
  const staging = `${dir}.building-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    await goInstall({
      go,
      packages: [PACKAGES.server, PACKAGES.sqlTool],
      version: TEMPORAL_SERVER_VERSION,
      binDir: staging,
      what: 'the Temporal server and temporal-sql-tool',
      log,
      env,
    });
    fs.renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-server'));
    fs.renameSync(path.join(staging, 'sql'), path.join(staging, 'temporal-sql-tool'));
    const moduleDir = await goModuleDir(go, staging, env);
    copyWritable(path.join(moduleDir, 'schema', 'postgresql', 'v12'), path.join(staging, 'schema', 'postgresql', 'v12'));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  if (!complete(cached)) throw new TemporalUnavailableError(`the Go build finished but ${dir} is incomplete`);
  return cached;
}

/** The server module's source folder in Go's module cache (the build has just downloaded it). */
async function goModuleDir(go: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(go, ['mod', 'download', '-json', `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], {
    cwd,
    env: withoutSecrets(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (out += String(c)));
  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (c) => resolve(c ?? 1));
  });
  const dir = code === 0 ? (JSON.parse(out) as { Dir?: string }).Dir : undefined;
  if (!dir) throw new TemporalUnavailableError(`go mod download ${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} failed (exit ${code}): ${out.trim()}`);
  return dir;
}

/** Copies a folder out of Go's read-only module cache, leaving the copy removable by its owner. */
function copyWritable(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  const walk = (p: string) => {
    const dir = fs.statSync(p).isDirectory();
    fs.chmodSync(p, dir ? 0o755 : 0o644);
    if (dir) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
  };
  walk(to);
}
