/**
 * A redis-server of a test's own, on a free loopback port, which the test can freeze (SIGSTOP: it
 * keeps its connections and answers nothing, as a Redis that hangs does) and thaw again. `npm test`
 * installs Debian's redis-server when test files that need it run (see provision.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../src/server/temporal-server';

export const REDIS_BINARY = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((b) => fs.existsSync(b));

export interface OwnRedis {
  url: string;
  freeze(): void;
  thaw(): void;
  stop(): void;
}

/** Resolves once something accepts connections on the port. */
async function listening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startOwnRedis(): Promise<OwnRedis> {
  if (!REDIS_BINARY) throw new Error("no redis-server: `npm test` installs Debian's redis-server when the tests that need it run");
  const port = await freePort();
  const child = spawn(REDIS_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const stop = () => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  };
  process.once('exit', stop);
  try {
    await listening(port);
  } catch (err) {
    stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, freeze: () => child.kill('SIGSTOP'), thaw: () => child.kill('SIGCONT'), stop };
}
