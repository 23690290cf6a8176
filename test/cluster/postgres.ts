/**
 * A private PostgreSQL for the cluster tests: Debian's server binaries, a fresh data folder in a
 * temp dir, listening on one free loopback port only (its socket in that folder too). As root it
 * runs as the `postgres` system user, since initdb and postgres refuse to run as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/server/temporal-server';
import { POSTGRES_INITDB } from '../provision';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The server's log, for error messages. */
  logFile: string;
  /** Fast shutdown, then removes nothing: the data folder belongs to the caller's temp dir. */
  stop(): Promise<void>;
}

export function postgresBinDir(): string | undefined {
  const initdb = POSTGRES_INITDB.find((f) => fs.existsSync(f));
  return initdb && path.dirname(initdb);
}

/** Runs as the `postgres` system user when this process is root (spawn's uid/gid), as itself otherwise. */
function identity(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0)
    throw new Error('running as root needs the `postgres` system user (Debian creates it with the postgresql package)');
  return { uid, gid };
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * initdb into `<dir>/pg` (superuser `user` with `password`, scram-sha-256), then starts the server
 * on a free 127.0.0.1 port and waits until it accepts connections (`readyTimeoutMs`).
 */
export async function startPostgres(dir: string, options: { user?: string; password?: string; readyTimeoutMs?: number } = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed (none of ${POSTGRES_INITDB.join(', ')}); apt-get install postgresql`);
  const user = options.user ?? 'temporal';
  const password = options.password ?? 'temporal';
  const who = identity();
  const home = path.join(dir, 'pg');
  const data = path.join(home, 'data');
  const logFile = path.join(home, 'postgres.log');
  fs.mkdirSync(home, { recursive: true });
  // The temp dir is the caller's (mode 0700 from mkdtemp): the postgres user must be able to enter it.
  if (who.uid !== undefined) {
    fs.chmodSync(dir, 0o711);
    fs.chownSync(home, who.uid, who.gid!);
  }
  const pwfile = path.join(home, 'pwfile');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (who.uid !== undefined) fs.chownSync(pwfile, who.uid, who.gid!);
  const init = spawnSync(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', user, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
    { ...who, encoding: 'utf8', timeout: 60_000 },
  );
  fs.rmSync(pwfile, { force: true });
  if (init.status !== 0) throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}):\n${init.stdout}${init.stderr}`);

  const port = await freePort();
  const host = '127.0.0.1';
  const out = fs.openSync(logFile, 'a');
  if (who.uid !== undefined) fs.fchownSync(out, who.uid, who.gid!);
  const child: ChildProcess = spawn(path.join(bin, 'postgres'), ['-D', data, '-h', host, '-p', String(port), '-k', home], {
    ...who,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  // Immediate shutdown if this process ends without stopping it.
  const onExit = () => child.kill('SIGQUIT');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const isready = path.join(bin, 'pg_isready');
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`postgres exited (${child.signalCode ?? child.exitCode}) before it was ready:\n${tail(logFile)}`);
    // pg_isready says the server takes sessions, not only that the port is open (it is during recovery too).
    if ((await accepts(port, host)) && spawnSync(isready, ['-h', host, '-p', String(port), '-t', '2'], { timeout: 5_000 }).status === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not accept connections on ${host}:${port} within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, port, user, password, logFile, stop };
}
