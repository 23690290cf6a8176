/**
 * Finds the Temporal CLI, or builds it from Go modules into a per-user cache when none is at
 * hand. The CLI embeds the Temporal server and Web UI (`temporal server start-dev`).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TemporalUnavailableError } from '../core/errors';
import { withoutSecrets } from './child-env';

/** The CLI release Baton builds: the newest whose go.mod has no replace directive. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export interface LocateOptions {
  /** Cache folder; the binary lives in `<cacheDir>/<version>/temporal`. */
  cacheDir: string;
  /** Receives progress lines (the build takes minutes the first time). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Where the cached build of the pinned version lives. */
export function cachedCliPath(cacheDir: string): string {
  return path.join(cacheDir, TEMPORAL_CLI_VERSION, 'temporal');
}

/**
 * Returns the path of a usable `temporal` binary: BATON_TEMPORAL_CLI, then PATH, then the cache,
 * then a fresh build with Go. Throws one error listing every option when none works.
 */
export async function locateTemporalCli(options: LocateOptions): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const explicit = env.BATON_TEMPORAL_CLI;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new TemporalUnavailableError(`BATON_TEMPORAL_CLI is set to ${explicit}, which is not an executable file`);
  }
  const found = onPath('temporal', env);
  if (found) return found;
  const cached = cachedCliPath(options.cacheDir);
  if (isExecutable(cached)) return cached;

  const go = onPath('go', env);
  if (!go) {
    throw new TemporalUnavailableError(
      'no Temporal server is available. Do one of these:\n' +
        '  - set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_API_KEY or TEMPORAL_TLS_* as needed) to use a running server;\n' +
        '  - put the Temporal CLI (`temporal`) on PATH, or set BATON_TEMPORAL_CLI to its path;\n' +
        `  - install Go (1.24 or newer) so Baton can build the CLI into ${path.dirname(cached)}.`,
    );
  }
  await goInstall({ go, packages: [MODULE], version: TEMPORAL_CLI_VERSION, binDir: path.dirname(cached), what: 'the Temporal CLI', log, env });
  if (!isExecutable(cached)) {
    throw new TemporalUnavailableError(`the Go build finished but ${cached} is not there`);
  }
  return cached;
}

/** What `goInstall` builds: Go packages at one version, into one folder. */
export interface GoInstall {
  go: string;
  /** Package paths, each installed at `version`. */
  packages: string[];
  version: string;
  binDir: string;
  /** Names what is built, in progress lines and errors. */
  what: string;
  log: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** `go install pkg@version...` into `binDir`, cgo off (static binaries, no C compiler needed), progress every 30 s. */
export async function goInstall(options: GoInstall): Promise<void> {
  const { go, binDir, log, what } = options;
  const targets = options.packages.map((p) => `${p}@${options.version}`);
  fs.mkdirSync(binDir, { recursive: true });
  log(`building ${what} ${options.version} with Go into ${binDir} (a few minutes the first time)`);
  log(`$ go install ${targets.join(' ')}`);
  const started = Date.now();
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, ['install', ...targets], {
      env: { ...withoutSecrets(options.env), GOBIN: binDir, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Build outside any Go module the user might be in.
      cwd: binDir,
    });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        if (output.length > 200) output.shift();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const tick = setInterval(() => log(`  still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
    child.on('error', (err) => {
      clearInterval(tick);
      reject(err);
    });
    child.on('close', (c) => {
      clearInterval(tick);
      resolve(c ?? 1);
    });
  });
  if (code !== 0) {
    throw new TemporalUnavailableError(`go install ${targets.join(' ')} failed with exit code ${code}:\n${output.slice(-40).join('\n')}`);
  }
  log(`built ${what} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The version line the binary prints, for logs and support. */
export function cliVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').trim();
}
