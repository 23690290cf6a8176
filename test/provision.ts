/**
 * What the tests need beyond Node and Temporal: Debian's `chromium` for the browser tests,
 * `redis-server` for the shared-cache tests, `postgresql` for the cluster tests, and Schemathesis
 * (from PyPI, in a virtual environment of its own in the per-user cache) for the API fuzzing test.
 * `npm test` installs whichever is missing (Debian's as root, with apt-get), so the README's test
 * command passes on a fresh machine; otherwise it stops at once with the exact command to run,
 * instead of failing those tests one by one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A Debian package some test files need, and where its binary lands. */
export interface Requirement {
  /** The Debian package. */
  pkg: string;
  /** Test files (substrings of their names) that need it. */
  tests: string[];
  /** Where the binary is looked for; the first that exists is used. */
  binaries: string[];
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name));
}

/** Where Debian's postgresql package puts each major version's initdb; the cluster tests use the newest present. */
export const POSTGRES_INITDB = [18, 17, 16, 15, 14, 13].map((v) => `/usr/lib/postgresql/${v}/bin/initdb`);

/** Everything the suite may need. BATON_CHROMIUM points the browser tests at a Chromium of your own. */
export function requirements(env: NodeJS.ProcessEnv = process.env): Requirement[] {
  return [
    { pkg: 'chromium', tests: ['browser'], binaries: env.BATON_CHROMIUM ? [env.BATON_CHROMIUM] : ['/usr/bin/chromium'] },
    {
      pkg: 'redis-server',
      tests: ['redis-cache', 'api-conformance', 'run-logs', 'secrets'],
      binaries: ['/usr/bin/redis-server', '/usr/local/bin/redis-server', ...onPath('redis-server')],
    },
    // `npm run test:cluster` runs a private PostgreSQL for its Temporal cluster (test/cluster/postgres.ts).
    { pkg: 'postgresql', tests: ['cluster/'], binaries: POSTGRES_INITDB },
  ];
}

/** The binary of a requirement, if one is installed. */
export function findBinary(req: Requirement): string | undefined {
  return req.binaries.find((b) => fs.existsSync(b));
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

/** Runs a command to its end, or kills it after `timeoutMs` (the output then says so). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 0): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            output += `\n(stopped: still running after ${timeoutMs / 1000} s)\n`;
            child.kill('SIGKILL');
          }, timeoutMs)
        : undefined;
    child.stdout.on('data', (c) => (output += String(c)));
    child.stderr.on('data', (c) => (output += String(c)));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 1, output: `${output}${err.message}\n` });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

/** The Schemathesis the API fuzzing test runs: pinned, so a new release cannot change the verdict. */
export const SCHEMATHESIS_VERSION = '4.32.5';
/** How long creating its virtual environment and installing it from PyPI may take. */
const SCHEMATHESIS_INSTALL_TIMEOUT_MS = 240_000;

/** Where Schemathesis lives: `$XDG_CACHE_HOME/baton/schemathesis-<version>`, or `~/.cache/baton/...`. */
export function schemathesisHome(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cache, 'baton', `schemathesis-${SCHEMATHESIS_VERSION}`);
}

/** The `st` command of the installed Schemathesis, if its install completed. */
export function findSchemathesis(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const home = schemathesisHome(env);
  // The marker is written last: a directory without it is an install that was interrupted.
  return fs.existsSync(path.join(home, '.installed')) ? path.join(home, 'bin', 'st') : undefined;
}

/**
 * Installs Schemathesis into its own virtual environment (`python3 -m venv`, then pip from PyPI)
 * unless it is there, and returns its `st` command. Two test runs at once: the second waits for
 * the first's lock. Throws a ProvisionError saying why, and how to do it by hand, when it cannot.
 */
export async function provisionSchemathesis(say: (text: string) => void = () => undefined): Promise<string> {
  const found = findSchemathesis();
  if (found) return found;
  const home = schemathesisHome();
  const by = `python3 -m venv ${home} && ${home}/bin/pip install schemathesis==${SCHEMATHESIS_VERSION} && touch ${home}/.installed`;
  const lock = `${home}.lock`;
  fs.mkdirSync(path.dirname(home), { recursive: true });
  const deadline = Date.now() + SCHEMATHESIS_INSTALL_TIMEOUT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another run installs it; a lock older than an install may take was left by one that died.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > SCHEMATHESIS_INSTALL_TIMEOUT_MS) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new ProvisionError(`another run has been installing Schemathesis for over ${SCHEMATHESIS_INSTALL_TIMEOUT_MS / 1000} s (lock ${lock})`);
      else await new Promise((r) => setTimeout(r, 500));
    }
    const done = findSchemathesis();
    if (done) return done;
  }
  try {
    const done = findSchemathesis();
    if (done) return done;
    const started = Date.now();
    say(`# installing Schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${home} for the schemathesis tests ...`);
    fs.rmSync(home, { recursive: true, force: true });
    const left = () => Math.max(1_000, deadline - Date.now());
    let venv = await run('python3', ['-m', 'venv', home], process.env, left());
    if (venv.code !== 0 && process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')) {
      // A machine without Python's venv module (Debian ships it apart): install Debian's, as for chromium.
      say(" (installing Debian's python3-venv first)");
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const lock = ['-o', 'DPkg::Lock::Timeout=600'];
      const update = await run('apt-get', [...lock, 'update', '-qq'], env, left());
      if (update.code === 0) await run('apt-get', [...lock, 'install', '-y', '-qq', 'python3', 'python3-venv'], env, left());
      fs.rmSync(home, { recursive: true, force: true });
      venv = await run('/usr/bin/python3', ['-m', 'venv', home], process.env, left());
    }
    const pip =
      venv.code === 0
        ? await run(path.join(home, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], process.env, left())
        : venv;
    const st = path.join(home, 'bin', 'st');
    if (pip.code !== 0 || !fs.existsSync(st)) {
      const step = venv.code !== 0 ? 'python3 -m venv (is python3 with its venv module installed? Debian: apt-get install python3-venv)' : 'pip install';
      throw new ProvisionError(`installing Schemathesis failed at ${step} (exit ${pip.code}):\n${pip.output.trim()}\nTo install it by hand: ${by}`);
    }
    fs.writeFileSync(path.join(home, '.installed'), `${SCHEMATHESIS_VERSION}\n`);
    say(` done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return st;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Installs what the selected test files need and lack: Schemathesis, then Debian's packages. Prints
 * one line for an install (what and how long); throws a ProvisionError with the exact command when it cannot.
 */
export async function provision(testFiles: string[], say: (text: string) => void): Promise<void> {
  if (testFiles.some((f) => f.includes('schemathesis'))) await provisionSchemathesis(say);
  const missing = requirements().filter((r) => r.tests.some((t) => testFiles.some((f) => f.includes(t))) && !findBinary(r));
  if (missing.length === 0) return;
  const pkgs = missing.map((r) => r.pkg);
  const needers = missing.flatMap((r) => r.tests.map((t) => `${t} tests`)).join(' and ');
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`;
  if (process.env.BATON_CHROMIUM && missing.some((r) => r.pkg === 'chromium')) {
    throw new ProvisionError(`BATON_CHROMIUM=${process.env.BATON_CHROMIUM} does not exist: point it at a Chromium binary, or unset it to use Debian's chromium`);
  }
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) {
    throw new ProvisionError(
      `the ${needers} need ${pkgs.join(' and ')}, which ${pkgs.length > 1 ? 'are' : 'is'} not installed. Install ${pkgs.length > 1 ? 'them' : 'it'} (Debian or Ubuntu) with:\n` +
        `  sudo sh -c '${command}'\n` +
        `or run the other tests only, e.g. npm test -- retries`,
    );
  }
  const started = Date.now();
  say(`# installing Debian's ${pkgs.join(' and ')} for the ${needers} (apt-get) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt-get (a parallel test run, unattended upgrades) may hold dpkg's lock: wait for it.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const update = await run('apt-get', [...lock, 'update', '-qq'], env);
  const install = update.code === 0 ? await run('apt-get', [...lock, 'install', '-y', '-qq', ...pkgs], env) : update;
  const absent = missing.filter((r) => !findBinary(r)).map((r) => r.pkg);
  if (install.code !== 0 || absent.length > 0) {
    throw new ProvisionError(`installing ${pkgs.join(' ')} failed (exit ${install.code}; still missing: ${absent.join(', ') || 'none'}):\n${install.output.trim()}`);
  }
  say(` done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
