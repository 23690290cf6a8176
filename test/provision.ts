/**
 * What the tests need beyond Node and Temporal: Debian's `chromium` for the browser tests and
 * `redis-server` for the shared-cache tests. `npm test` installs whichever is missing (as root,
 * with apt-get), so the README's test command passes on a fresh machine; otherwise it stops at
 * once with the exact command to run, instead of failing those tests one by one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
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

/** Everything the suite may need. BATON_CHROMIUM points the browser tests at a Chromium of your own. */
export function requirements(env: NodeJS.ProcessEnv = process.env): Requirement[] {
  return [
    { pkg: 'chromium', tests: ['browser'], binaries: env.BATON_CHROMIUM ? [env.BATON_CHROMIUM] : ['/usr/bin/chromium'] },
    { pkg: 'redis-server', tests: ['redis-cache'], binaries: ['/usr/bin/redis-server', '/usr/local/bin/redis-server', ...onPath('redis-server')] },
  ];
}

/** The binary of a requirement, if one is installed. */
export function findBinary(req: Requirement): string | undefined {
  return req.binaries.find((b) => fs.existsSync(b));
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += String(c)));
    child.stderr.on('data', (c) => (output += String(c)));
    child.on('error', (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Installs the Debian packages the selected test files need and lack. Prints one line for an
 * install (what and how long); throws a ProvisionError with the exact command when it cannot.
 */
export async function provision(testFiles: string[], say: (text: string) => void): Promise<void> {
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
