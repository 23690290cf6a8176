/**
 * Logging: pino, JSON by default, pretty for a terminal. Temporal's own logs (the SDK, flows
 * through the replay-aware workflow logger, activity context logs) are forwarded to the same pino
 * logger, with Temporal's field names mapped to Baton's: flowRunId, flowName, taskRunId, taskName.
 */
import pino, { type LevelWithSilent, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { LogTimestamp, Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { BatonConfig } from '../config';
import { enableTaskMetrics } from '../activities/task-metrics';
import { ConfigError } from '../core/errors';
import { runLogSink } from '../run-logs/run-log-sink';
import { redactor, secretValues } from './log-secrets';
import { redactSecretValues } from '../activities/secret-values';

/**
 * Errors are logged by name, message, code and stack only: an HTTP client's error can carry the
 * request with its Authorization header, which must never reach a log.
 */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}), stack: err.stack };
}

/** While Temporal's logger writes a line, the time (ms) the line was logged at, when Temporal says. */
let loggedAt: number | undefined;

/** Marks a logger made by createLogger: its lines can reach runs' logs. */
const KEEPS_RUN_LOGS = Symbol.for('baton.logger.keepsRunLogs');

/**
 * The process's root logger. Lines go to stdout at BATON_LOG_LEVEL, and each line that names a
 * flow run also to that run's log once a worker has installed the process's run-log sink (see
 * {@link keepRunLogsAt}); the environment's secret values, and every secret a task has read with
 * `getSecret`, are cut out of both.
 */
export function createLogger(config: Pick<BatonConfig, 'BATON_LOG_LEVEL' | 'BATON_LOG_FORMAT'>, env: NodeJS.ProcessEnv = process.env): Logger {
  const options = {
    level: config.BATON_LOG_LEVEL,
    base: { pid: process.pid },
    // A flow's line is written after its workflow task, at times well after the flow logged it: its own time is kept.
    timestamp: () => `,"time":${loggedAt ?? Date.now()}`,
    serializers: { err: safeError },
    // Keys that may hold secrets never reach a log line.
    redact: { paths: ['apiKey', '*.apiKey', 'authorization', '*.authorization', 'password', '*.password'], censor: '[redacted]' },
  };
  const fromEnv = redactor(secretValues(env));
  // The environment's secrets, and those tasks read with getSecret() (registered as they are read).
  const redact = (text: string) => redactSecretValues(fromEnv(text));
  const out =
    config.BATON_LOG_FORMAT === 'pretty' ? pretty({ sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }) : pino.destination({ dest: 1, sync: true });
  const streams: pino.StreamEntry[] = [{ level: 'trace', stream: { write: (text: string) => void runLogSink()?.take(redact(text)) } }];
  if (config.BATON_LOG_LEVEL !== 'silent') streams.push({ level: config.BATON_LOG_LEVEL, stream: { write: (text: string) => void out.write(redact(text)) } });
  const logger = pino(options, pino.multistream(streams));
  Object.defineProperty(logger, KEEPS_RUN_LOGS, { value: true });
  return logger;
}

/**
 * Lets a logger made by createLogger write lines at `level` and above, for runs' logs, when
 * BATON_LOG_LEVEL keeps stdout quieter than that (stdout still gets only its own level). Loggers
 * of the caller's own are left as they are.
 */
export function keepRunLogsAt(logger: Logger, level: LevelWithSilent): void {
  if (!(logger as unknown as Record<symbol, unknown>)[KEEPS_RUN_LOGS]) return;
  if (logger.levels.values[level]! < logger.levelVal) logger.level = level;
}

/** Maps Temporal's log metadata to Baton's field names. */
function mapMeta(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    switch (key) {
      case 'workflowId':
        out.flowRunId = value;
        break;
      case 'workflowType':
        out.flowName = value;
        break;
      case 'activityType':
        out.taskName = value;
        break;
      case 'activityId':
        break;
      case 'sdkComponent':
        out.component = value;
        break;
      case 'error':
      case 'failure':
        // pino serializes errors (message, type, stack) under `err` only; elsewhere they log as {}.
        if (value instanceof Error) out.err = value;
        else out[key] = value;
        break;
      case 'namespace':
      case 'taskQueue':
      case 'runId':
      case 'attempt':
        out[key] = value;
        break;
      default:
        out[key] = value;
    }
  }
  if (meta.activityId !== undefined && meta.workflowId !== undefined) out.taskRunId = `${meta.workflowId}:${meta.activityId}`;
  return out;
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Temporal's Logger interface over pino. */
export class PinoTemporalLogger {
  constructor(private readonly logger: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const nanos = (meta as Record<symbol, unknown> | undefined)?.[LogTimestamp];
    loggedAt = typeof nanos === 'bigint' ? Number(nanos / 1_000_000n) : undefined;
    try {
      this.logger[LEVELS[level] ?? 'info'](mapMeta(meta), message);
    } finally {
      loggedAt = undefined;
    }
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed: Logger | undefined;

/** Where Prometheus scrapes a worker: `host:port`, an IPv6 host in brackets. */
export function metricsAddress(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/**
 * Routes Temporal's logs to `logger` and, with `metrics`, serves Prometheus metrics at
 * `http://host:port/metrics`: Temporal's runtime metrics and those Baton records through the
 * SDK's metric meter. Temporal's runtime is a process-wide singleton, so the first call wins;
 * later calls return the logger already in place.
 */
export function installRuntimeLogger(logger: Logger, metrics?: { host: string; port: number }): Logger {
  if (installed) return installed;
  const address = metrics && metricsAddress(metrics.host, metrics.port);
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(logger),
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
        ...(address ? { metrics: { prometheus: { bindAddress: address } } } : {}),
      },
    });
  } catch (err) {
    // The port is taken, or the host is not this machine's: say which variable to change.
    if (!address) throw err;
    const reason = (err as Error).message.replace(/^Failed to start prometheus metrics exporter: /, '');
    throw new ConfigError([{ path: 'BATON_METRICS_PORT', message: `cannot serve metrics on ${address} (BATON_METRICS_HOST:BATON_METRICS_PORT): ${reason}` }]);
  }
  installed = logger;
  enableTaskMetrics(metrics !== undefined);
  return logger;
}
