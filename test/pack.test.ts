/**
 * The package as users get it: `npm run build` and `npm pack`, the tarball installed into a fresh
 * project, whose own tasks.ts and flows.ts import `baton` and `baton/workflows`. Its worker (the
 * installed `baton` command) runs a flow that its own script starts with the installed client.
 *
 * The build runs in a copy of the package's files: this checkout's bin/baton.js prefers dist/ when
 * it exists, so building here would switch every later test to compiled code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, tempDir, testTarget, uid } from './helpers';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; npm's own settings from `npm test` do not leak into it. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  const clean = Object.fromEntries(Object.entries(env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout, stderr }));
  });
}

function must(ran: Ran, what: string): Ran {
  assert.equal(ran.code, 0, `${what} failed:\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

/** What `npm pack` needs to build and pack: package.json's "files", the sources and the build config. */
function copyPackage(to: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  const entries = new Set(['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', ...pkg.files.filter((f) => f !== 'dist')]);
  for (const entry of entries) {
    if (fs.existsSync(path.join(ROOT, entry))) fs.cpSync(path.join(ROOT, entry), path.join(to, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'), 'dir');
}

const PROJECT_FILES: Record<string, string> = {
  'tasks.ts': `import { task } from 'baton';

export const greet = task({ name: 'greet', retries: 1 }, async (name: string) => \`hello \${name}\`);
export const shout = task({ name: 'shout' }, async (text: string) => text.toUpperCase());
`,
  'flows.ts': `import { flow, tasks } from 'baton/workflows';
import type * as t from './tasks';

const { greet, shout } = tasks<typeof t>();

export const greetAll = flow({ name: 'greet-all', flowRunName: 'greet-{batch}' }, async ({ names }: { batch: string; names: string[] }) => {
  const greetings = await greet.map(names);
  return { greetings, loud: await shout(greetings.join(', ')) };
});
`,
  'index.ts': `export * from './flows';
export * from './tasks';
`,
  // Starts a run through the installed client and prints its result and state.
  'start-run.ts': `import { BatonClient, configuredTarget, loadConfig } from 'baton/client';
import { greetAll } from './flows';

async function main(): Promise<void> {
  if (!configuredTarget()) throw new Error('TEMPORAL_ADDRESS is not set');
  const client = await BatonClient.fromConfig(loadConfig(), { taskQueue: process.argv[2]!, flows: [greetAll] });
  try {
    const handle = await client.flowRuns.start(greetAll, { batch: 'pack', names: ['Ada', 'Grace'] });
    const result = await handle.result();
    const info = await handle.describe();
    console.log(JSON.stringify({ result, state: info.state, runName: handle.runName, tasks: info.taskRuns.map((r) => r.name) }));
  } finally {
    await client.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`,
};

describe('the packed package', () => {
  test('npm pack, installed into a fresh project: its flows and tasks import baton and run', { timeout: 480_000 }, async () => {
    testTarget();
    const work = tempDir();
    const [source, project] = [path.join(work, 'package'), path.join(work, 'project')];
    fs.mkdirSync(source);
    fs.mkdirSync(project);
    const worker = { child: undefined as ReturnType<typeof spawn> | undefined };
    try {
      copyPackage(source);
      must(await run('npm', ['run', 'build'], source), 'npm run build');
      const packed = JSON.parse(must(await run('npm', ['pack', '--json', '--pack-destination', work], source), 'npm pack').stdout) as {
        filename: string;
        files: { path: string }[];
      }[];
      const files = packed[0]!.files.map((f) => f.path);
      for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/workflows/index.js', 'dist/cli/main.js', 'bin/baton.js'])
        assert.ok(files.includes(f), `the tarball holds ${f}`);
      assert.deepEqual(
        files.filter((f) => /^(src|test|bench)\//.test(f)),
        [],
        'no sources or tests in the tarball',
      );

      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'baton-pack-check', version: '1.0.0', private: true }, null, 2));
      // From the local npm cache when it has every package (npm test's own install filled it).
      must(
        await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(work, packed[0]!.filename)], project),
        'npm install',
      );
      for (const [name, text] of Object.entries(PROJECT_FILES)) fs.writeFileSync(path.join(project, name), text);

      // The installed command, as `npx baton worker start` runs it: compiled code, the project's TypeScript.
      const taskQueue = uid('pack');
      const baton = path.join(project, 'node_modules', '.bin', 'baton');
      assert.ok(fs.realpathSync(baton).startsWith(fs.realpathSync(path.join(project, 'node_modules', 'baton'))), 'bin links to the installed package');
      let workerLog = '';
      const child = spawn(baton, ['worker', 'start', '--flows', 'index.ts', '--task-queue', taskQueue], {
        cwd: project,
        env: { ...process.env, BATON_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      worker.child = child;
      for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (c) => (workerLog += String(c)));
      const workerExit = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the installed worker exited with ${code}:\n${workerLog}`))));
      workerExit.catch(() => undefined);

      const started = await Promise.race([run(process.execPath, ['--import', 'tsx', 'start-run.ts', taskQueue], project), workerExit]);
      const out = JSON.parse(must(started, 'start-run.ts').stdout.trim().split('\n').pop()!) as { result: unknown; state: string; runName: string; tasks: string[] };
      assert.deepEqual(out.result, { greetings: ['hello Ada', 'hello Grace'], loud: 'HELLO ADA, HELLO GRACE' });
      assert.equal(out.state, 'Completed');
      assert.equal(out.runName, 'greet-pack');
      assert.deepEqual(out.tasks, ['greet', 'greet', 'shout']);
    } finally {
      worker.child?.kill('SIGKILL');
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
