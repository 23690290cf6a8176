/**
 * The `baton` command.
 *
 *   baton start                          embedded Temporal server + a worker; runs the quickstart once
 *   baton server start                   the embedded Temporal server (SQLite under .baton/, Web UI)
 *   baton worker start --flows <module>  a worker for a module of flows and tasks
 *
 * Exit code 0 only on success; errors name the bad flag or variable.
 */
import { parseArgs } from 'node:util';
import { BatonError } from '../shared/errors';
import { loadConfig } from '../config';
import { resolveTemporal } from '../server/temporal-server';
import { cliVersion, locateTemporalCli } from '../server/temporal-cli';
import { createWorker, runWorkerUntilSignal } from '../workers/worker';
import { createLogger } from '../workers/logger';
import { loadModule } from '../workers/load-module';
import { runQuickstart } from './quickstart';

const USAGE = `usage:
  baton start                                   run the quickstart on the embedded server and keep serving
  baton server start                            start the embedded Temporal server (until Ctrl-C)
  baton server install                          find or build the Temporal CLI; print its path
  baton worker start --flows <module> [options] run a worker
      --flows <module>        file or folder exporting flows and tasks (required)
      --task-queue <name>     task queue to poll (default BATON_TASK_QUEUE or 'baton')
      --concurrency <n>       most tasks run at once (default BATON_MAX_CONCURRENT_TASKS or 200)

environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* (use a running
server); BATON_HOME, BATON_LOG_LEVEL, BATON_LOG_FORMAT, BATON_TEMPORAL_PORT, BATON_TEMPORAL_UI_PORT.`;

/** A usage error: exit code 2. */
class UsageError extends BatonError {
  static override readonly code: string = 'USAGE';
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a whole number ≥ 1, got '${value}'`);
  return n;
}

type Flags = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse(args: string[], options: Flags): Record<string, string | boolean | (string | boolean)[] | undefined> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

async function workerStart(args: string[]): Promise<void> {
  const values = parse(args, {
    flows: { type: 'string' },
    'task-queue': { type: 'string' },
    concurrency: { type: 'string' },
  });
  if (!values.flows) throw new UsageError('--flows <module> is required');
  const maxConcurrentTasks = positiveInt('concurrency', values.concurrency as string | undefined);
  const taskQueue = values['task-queue'] as string | undefined;
  if (taskQueue !== undefined && !taskQueue.trim()) throw new UsageError('--task-queue must not be empty');
  const config = loadConfig();
  const logger = createLogger(config);
  // Load the module first: a typo in --flows fails before any server starts.
  loadModule(String(values.flows));
  const target = await resolveTemporal(config, (line) => logger.info(line));
  try {
    const worker = await createWorker({ flows: String(values.flows), target, config, taskQueue, maxConcurrentTasks, logger });
    await runWorkerUntilSignal(worker);
  } finally {
    await target.devServer?.stop();
  }
}

async function serverInstall(args: string[]): Promise<void> {
  parse(args, {});
  const config = loadConfig();
  const binary = await locateTemporalCli({ cacheDir: config.BATON_TEMPORAL_CLI_CACHE, log: (l) => console.error(l) });
  console.log(binary);
  console.error(cliVersion(binary));
}

async function serverStart(args: string[]): Promise<void> {
  parse(args, {});
  const config = loadConfig();
  const logger = createLogger(config);
  const target = await resolveTemporal(config, (line) => logger.info(line));
  if (!target.devServer) {
    logger.info(`TEMPORAL_ADDRESS is set: using the server at ${target.address}; nothing to start`);
    return;
  }
  logger.info({ address: target.address, webUi: target.webUiUrl }, 'Temporal server ready; Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    target.devServer!.process.once('exit', resolve);
  });
  await target.devServer.stop();
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'start') await runQuickstart([sub, ...rest].filter((a): a is string => a !== undefined));
    else if (command === 'server' && sub === 'start') await serverStart(rest);
    else if (command === 'server' && sub === 'install') await serverInstall(rest);
    else if (command === 'worker' && sub === 'start') await workerStart(rest);
    else if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    } else throw new UsageError(`unknown command '${[command, sub].filter(Boolean).join(' ')}'`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`baton: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`baton: ${err instanceof BatonError ? err.message : ((err as Error)?.stack ?? err)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
