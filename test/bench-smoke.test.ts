/** The benchmarks in smoke mode, so they never rot: they run and report; speed is not judged here. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers';

describe('benchmarks (smoke)', () => {
  test('npm run bench:concurrency -- --smoke reports ms per acquire+release, uncontended and contended', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'concurrency.ts'), '--smoke', '--json'], {
      cwd: ROOT,
      env: process.env,
      maxBuffer: 10 * 1024 * 1024,
    });
    const rows = JSON.parse(
      stdout
        .trim()
        .split('\n')
        .pop()!
        .replace(/^JSON:/, ''),
    ) as { case: string; acquires: number; msPerAcquire: number }[];
    assert.deepEqual(
      rows.map((r) => r.acquires),
      [5, 5, 9],
    );
    for (const r of rows) assert.ok(Number.isFinite(r.msPerAcquire) && r.msPerAcquire > 0, JSON.stringify(r));
  });

  test('npm run bench:stream -- --smoke follows a streaming task and reports lag and history events for each producer', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'stream.ts'), '--smoke', '--json'], {
      cwd: ROOT,
      env: process.env,
      maxBuffer: 10 * 1024 * 1024,
    });
    const rows = JSON.parse(
      stdout
        .trim()
        .split('\n')
        .pop()!
        .replace(/^JSON:/, ''),
    ) as { mode: string; chunks: number; p50: number; inOrderOnce: boolean; signals: number }[];
    assert.deepEqual(
      rows.map((r) => [r.mode, r.chunks, r.inOrderOnce]),
      [
        ['paced, 1 chunk/ms', 300, true],
        ['burst', 300, true],
      ],
    );
    for (const r of rows) assert.ok(Number.isFinite(r.p50) && r.signals >= 1, JSON.stringify(r));
  });

  test('npm run bench:variables -- --n 10 times writes, client reads and flow reads of variables', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'variables.ts'), '--n', '10'], {
      cwd: ROOT,
      env: process.env,
      maxBuffer: 10 * 1024 * 1024,
    });
    const rows = stdout.trim().split('\n').slice(-3);
    assert.match(rows[0]!, /^\| set \(update\) \| \d+\.\d \| \d+\.\d \|$/, stdout);
    assert.match(rows[1]!, /^\| get through the client \(query\) \| \d+\.\d \| \d+\.\d \|$/, stdout);
    assert.match(rows[2]!, /^\| getVariable in a flow \(local activity\), mean of one run \| \d+\.\d \| - \|$/, stdout);
  });

  test('npm run bench:tracing -- --smoke runs the flow untraced and traced; only the traced worker exports', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'tracing.ts'), '--smoke', '--json'], {
      cwd: ROOT,
      env: process.env,
      maxBuffer: 10 * 1024 * 1024,
    });
    const rows = JSON.parse(
      stdout
        .trim()
        .split('\n')
        .pop()!
        .replace(/^JSON:/, ''),
    ) as { mode: string; perSecond: number; exports: number }[];
    assert.deepEqual(
      rows.map((r) => [r.mode, r.exports > 0]),
      [
        ['off', false],
        ['on', true],
      ],
    );
    for (const r of rows) assert.ok(Number.isFinite(r.perSecond) && r.perSecond > 0, JSON.stringify(r));
  });

  test('npm run bench -- --smoke runs every workload and prints a figure and a ratio for each', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), '--smoke', '--json'], {
      cwd: ROOT,
      env: process.env,
      maxBuffer: 10 * 1024 * 1024,
    });
    for (const id of ['W1', 'W2', 'W3', 'W4', 'W5', 'W7', 'W8']) assert.match(stdout, new RegExp(`^\\| ${id} \\|`, 'm'), `${id} is reported`);
    assert.match(stdout, /^W6: SQLite commits\/s on this disk \(WAL\): FULL=\d+ NORMAL=\d+$/m);
    const rows = JSON.parse(
      stdout
        .trim()
        .split('\n')
        .pop()!
        .replace(/^JSON:/, ''),
    ) as { id: string; mode?: string; baton: number; raw: number | null }[];
    assert.ok(rows.length >= 11);
    // W2–W4, W7 and W8 are measured with regular and with local tasks, and printed side by side.
    for (const id of ['W2', 'W3', 'W4', 'W7', 'W8']) {
      assert.deepEqual(
        rows.filter((r) => r.id === id).map((r) => r.mode),
        ['regular', 'local'],
        `${id} in both modes`,
      );
      if (id === 'W8') continue;
      assert.match(
        stdout,
        new RegExp(`^\\| ${id} \\| [^|]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+× \\|$`, 'm'),
        `${id}: Baton local beside regular`,
      );
    }
    for (const r of rows) {
      // W8 runs Baton only (W7 compares the same pattern with raw Temporal).
      const rawOk = r.id === 'W8' ? r.raw === null : Number.isFinite(r.raw);
      assert.ok(Number.isFinite(r.baton) && rawOk, `figures are numbers: ${JSON.stringify(r)}`);
    }
  });
});
