/**
 * Drives a compose test's stack: by default docker-compose.dev.yml with
 * test/compose/docker-compose.test.yml on top, under its own project name, through `docker compose`
 * or Debian's `docker-compose`.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PROJECT = 'baton-compose-test';
const DEV_FILES = ['docker-compose.dev.yml', 'test/compose/docker-compose.test.yml'];
export const PORTS = { temporal: 17233, ui: 18233, api: 14200, mcpGithub: 18811, mcpMemory: 18812 };

export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): SpawnSyncReturns<string> {
  const result = spawnSync(cmd, args, { cwd: ROOT, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

/** Runs a command and returns its stdout, or throws with its stderr. */
export function must(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const result = run(cmd, args, { env });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.status}:\n${(result.stderr || result.stdout).slice(-4000)}`);
  }
  return result.stdout;
}

/** `docker compose` when the plugin is there, Debian's `docker-compose` otherwise (BATON_COMPOSE overrides). */
export function composeCommand(): string[] {
  if (process.env.BATON_COMPOSE) return process.env.BATON_COMPOSE.split(' ');
  if (run('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (run('docker-compose', ['version']).status === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` works (test/compose/prepare.sh installs docker-compose)');
}

/** An environment with nothing of the caller's but what finding programs and Docker needs. */
export function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'XDG_RUNTIME_DIR', 'TMPDIR'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]!])), ...vars };
}

export class Stack {
  private readonly compose = composeCommand();

  /**
   * @param envFile the variables the compose files interpolate (the repository's own .env is not read)
   * @param dir a private folder for the rendered compose file
   * @param files the compose file and its test override
   * @param project the compose project name (containers, volumes and networks are prefixed with it)
   */
  constructor(
    private readonly envFile: string,
    private readonly dir: string,
    private readonly files = DEV_FILES,
    readonly project = PROJECT,
  ) {}

  get commandName(): string {
    return this.compose.join(' ');
  }

  /** Runs compose with the given files (default: the stack's, with its test override). */
  run(args: string[], files = this.files): SpawnSyncReturns<string> {
    const [cmd, ...pre] = this.compose;
    return run(cmd!, [...pre, '--env-file', this.envFile, '-p', this.project, ...files.flatMap((f) => ['-f', f]), ...args], { env: cleanEnv({}) });
  }

  must(args: string[], files?: string[]): string {
    const result = this.run(args, files);
    if (result.status !== 0) throw new Error(`compose ${args.join(' ')} exited ${result.status}:\n${(result.stderr || result.stdout).slice(-4000)}`);
    return result.stdout;
  }

  /**
   * The stack with its test override, resolved by compose itself, less its published ports:
   * with host networking they mean nothing, and Debian's docker-compose refuses the pair. Services
   * of an optional profile (`metrics`, and the Postgres stack's Web UI: images this machine cannot
   * pull) are left out: nothing here starts them.
   */
  render(): string[] {
    const config = parse(this.must(['config'])) as { services: Record<string, Record<string, unknown>> };
    for (const [name, service] of Object.entries(config.services)) {
      if (Array.isArray(service.profiles) && service.profiles.length) {
        delete config.services[name];
        continue;
      }
      if (service.network_mode !== 'host') throw new Error(`service ${name} is not on the host network in the test override`);
      delete service.ports;
    }
    const file = path.join(this.dir, `${this.project}.rendered.yml`);
    fs.writeFileSync(file, stringify(config), { mode: 0o600 });
    return [file];
  }

  /** Ids of this project's containers for a service (running or not). */
  containers(service: string): string[] {
    const out = must('docker', [
      'ps',
      '-aq',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${this.project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ]);
    return out.split('\n').filter(Boolean);
  }

  logs(files: string[]): string {
    const result = this.run(['logs', '--no-color', '--tail', '60'], files);
    return result.stdout + result.stderr;
  }
}

/** Docker's view of a container: running or not, health, restarts. */
export function inspect(id: string): { running: boolean; health?: string; restarts: number } {
  const [state] = JSON.parse(must('docker', ['inspect', id])) as { State: { Running: boolean; Health?: { Status: string } }; RestartCount: number }[];
  return { running: state!.State.Running, health: state!.State.Health?.Status, restarts: state!.RestartCount };
}

export async function eventually<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
