/**
 * `npm test`: starts one real Temporal dev server (fresh SQLite file, free loopback ports), runs
 * every test file with Node's test runner against it, then stops it. Test files get the server
 * through TEMPORAL_ADDRESS and use unique task queues and ids.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';

/** A Redis server on a free loopback port, for the shared-cache tests (Debian's redis-server). */
async function startRedis(home: string): Promise<{ url: string; child: ChildProcess } | undefined> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((b) => fs.existsSync(b));
  if (!binary) {
    console.log('# redis-server not found: the Redis cache tests will fail (install Debian\'s redis-server)');
    return undefined;
  }
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', home], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGTERM'));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
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
  throw new Error('redis-server did not start');
}

async function main(): Promise<number> {
  const root = path.resolve(__dirname, '..');
  const filter = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
    .sort()
    .map((f) => path.join('test', f));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-test-'));
  const config = loadConfig({ ...process.env, BATON_HOME: home });
  const [port, uiPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const redis = await startRedis(home);
  const target = await startDevServer({ config, port, uiPort, log: (l) => console.log(`# ${l}`) });
  console.log(`# Temporal dev server ready on ${target.address} in ${Date.now() - started} ms`);
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
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
        { cwd: root, env, stdio: 'inherit' },
      );
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    return code;
  } finally {
    redis?.child.kill('SIGTERM');
    await target.devServer?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
