/**
 * `npm test`: installs what the selected tests need when it is missing (see provision.ts), starts
 * one real Temporal dev server (fresh SQLite file, free loopback ports) and, when the Redis tests
 * run, a redis-server; runs the test files with Node's test runner against them, then stops them.
 * Test files get the server through TEMPORAL_ADDRESS and use unique task queues and ids.
 *
 * With no file filter it first runs `npm run lint` (ESLint, including the sandbox import rule, and
 * Prettier's check) and stops there if it fails, so CI, which runs plain `npm test`, always lints.
 *
 * `npm run test:cluster` (`tsx test/run.ts --cluster`) runs instead the files of cluster/suite.ts and
 * cluster/*.test.ts against a Temporal cluster on PostgreSQL started here (cluster/local-cluster.ts).
 *
 * Nothing can hang: each test file runs under a time limit (BATON_TEST_TIMEOUT_MS), tests that may
 * wait long set their own, and the whole run has one more (BATON_TEST_SUITE_TIMEOUT_MINUTES).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';
import { startLocalCluster } from './cluster/local-cluster';
import { CLUSTER_SUITE } from './cluster/suite';
import { findBinary, provision, ProvisionError, requirements } from './provision';

/**
 * `--test-timeout`. Node 20's runner applies it to each test file's process as a whole, not to each
 * test in it, so tests that may wait long set their own `timeout` too. The longest file took 126 s
 * of a 12-minute full run on a 2-core machine shared with other runs; this leaves room for slower.
 */
const TEST_TIMEOUT_MS = Number(process.env.BATON_TEST_TIMEOUT_MS ?? 600_000);
/** The whole run's limit: the full suite takes about 12 minutes on a 2-core machine. */
const SUITE_TIMEOUT_MS = Number(process.env.BATON_TEST_SUITE_TIMEOUT_MINUTES ?? 60) * 60_000;

/** A Redis server on a free loopback port, for the shared-cache tests. */
async function startRedis(binary: string, home: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', home], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGTERM'));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${binary} did not accept connections on 127.0.0.1:${port} within 10 s`);
}

/** `npm run lint`, its output shown as it comes; resolves with its exit code. */
function runLint(root: string): Promise<number> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', '--silent', 'lint'], { cwd: root, stdio: 'inherit' });
  return new Promise<number>((resolve) => {
    child.on('error', (err) => {
      console.error(`# could not run npm run lint: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs Node's test runner in its own process group, so a watchdog or Ctrl-C stops every test process. */
function runTests(files: string[], root: string, env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit', detached: true });
  const stopGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const forward = (signal: NodeJS.Signals) => () => stopGroup(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const watchdog = setTimeout(() => {
    console.error(`# the test run passed its limit of ${SUITE_TIMEOUT_MS / 60_000} minutes (BATON_TEST_SUITE_TIMEOUT_MINUTES): stopping it`);
    stopGroup('SIGTERM');
    setTimeout(() => stopGroup('SIGKILL'), 10_000).unref();
  }, SUITE_TIMEOUT_MS);
  return new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      // Test files' own children (workers, servers) must not outlive the run.
      stopGroup('SIGKILL');
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<number> {
  const root = path.resolve(__dirname, '..');
  const cluster = process.argv[2] === '--cluster';
  const filter = process.argv.slice(cluster ? 3 : 2);
  const files = (
    cluster
      ? [
          ...CLUSTER_SUITE,
          ...fs
            .readdirSync(path.join(__dirname, 'cluster'))
            .filter((f) => f.endsWith('.test.ts'))
            .map((f) => path.join('test', 'cluster', f)),
        ]
      : fs
          .readdirSync(__dirname)
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => path.join('test', f))
  ).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
  if (files.length === 0) {
    console.error(`no test file matches ${filter.join(', ')}`);
    return 1;
  }
  if (filter.length === 0 && !cluster) {
    const started = Date.now();
    const code = await runLint(root);
    if (code !== 0) {
      console.error('# npm run lint failed (output above): fix it, or run npm run format for the formatting, before the tests run');
      return code;
    }
    console.log(`# lint passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    console.log(`# lint skipped: ${cluster ? 'the cluster run' : 'a file filter was given'} (plain npm test, or npm run lint, runs it)`);
  }
  // The cluster's PostgreSQL is needed whichever files run against it.
  await provision(cluster ? [...files, 'test/cluster/'] : files, (text) => process.stdout.write(text));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-test-'));
  const config = loadConfig({ ...process.env, BATON_HOME: home });
  const [port, uiPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const redisBinary = requirements()
    .filter((r) => r.pkg === 'redis-server' && r.tests.some((t) => files.some((f) => f.includes(t))))
    .map(findBinary)[0];
  const redis = redisBinary ? await startRedis(redisBinary, home) : undefined;
  const log = (l: string) => console.log(`# ${l}`);
  const local = cluster ? await startLocalCluster({ log }) : undefined;
  const target = local
    ? { address: local.address, namespace: local.namespace, webUiUrl: undefined, devServer: undefined }
    : await startDevServer({ config, port, uiPort, log });
  console.log(`# Temporal ${local ? 'cluster on PostgreSQL' : 'dev server'} ready on ${target.address} in ${Date.now() - started} ms`);
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    BATON_WEB_UI_URL: target.webUiUrl,
    BATON_HOME: home,
    BATON_TEST_DB_FILE: target.devServer?.dbFile ?? '',
    BATON_TEST_REDIS_URL: redis?.url ?? '',
    // Tests provoke failures on purpose; their logs would bury the report. BATON_LOG_LEVEL=info shows them.
    BATON_LOG_LEVEL: process.env.BATON_LOG_LEVEL ?? 'fatal',
  };
  try {
    return await runTests(files, root, env);
  } finally {
    redis?.child.kill('SIGTERM');
    await target.devServer?.stop();
    await local?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ProvisionError ? `npm test: ${err.message}` : err);
    process.exit(1);
  },
);
