/** The reference MCP server `server-everything` in its streamable HTTP mode, on a free loopback port, for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../src/server/temporal-server';
import { FIXTURES, ROOT } from './helpers';

const EVERYTHING_MAIN = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

export async function startHttpEverything(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // It listens on every interface by default: this preload binds it to loopback.
  const loopbackOnly = pathToFileURL(path.join(FIXTURES, 'mcp', 'loopback-only.mjs')).href;
  const child = spawn(process.execPath, ['--import', loopbackOnly, EVERYTHING_MAIN, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything (HTTP) did not start within 20 s: ${stderr}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += String(d);
      if (/listening on port/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything (HTTP) exited with ${code}: ${stderr}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}
