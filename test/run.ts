/**
 * `npm test`: starts one real Temporal dev server (fresh SQLite file, free loopback ports), runs
 * every test file with Node's test runner against it, then stops it. Test files get the server
 * through TEMPORAL_ADDRESS and use unique task queues and ids.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';

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
  const target = await startDevServer({ config, port, uiPort, log: (l) => console.log(`# ${l}`) });
  console.log(`# Temporal dev server ready on ${target.address} in ${Date.now() - started} ms`);
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    BATON_WEB_UI_URL: target.webUiUrl,
    BATON_HOME: home,
    BATON_TEST_DB_FILE: target.devServer?.dbFile ?? '',
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
