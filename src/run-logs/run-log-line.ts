/**
 * A log line as a run's log keeps it, made from the JSON line pino writes, and the filters a
 * reader asks for. Pure: the stores and the worker's sink share it.
 */
import { MAP_SHARD_WORKFLOW } from '../core/map-shard';
import { LOG_LEVELS, type LogLevel, type RunLogLine } from '../core/schemas/run-log';

/** A line as stored: everything but its place, which the store gives it. */
export type StoredLine = Omit<RunLogLine, 'cursor'>;

const PINO_LEVELS: Record<number, LogLevel> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Fields a line's own columns hold, or that say nothing a reader of one run's log needs. */
const OWN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'flowRunId',
  'flowName',
  'taskRunId',
  'taskName',
  'attempt',
  'print',
  'runId',
  'namespace',
  'taskQueue',
]);

/**
 * The run a pino line belongs to and the line to keep, or undefined for a line of no run. A task
 * of a sharded map logs in its shard (`<flow run id>/<task>-map<n>-<k>`): its line is the flow run's.
 */
export function runLine(entry: Record<string, unknown>): { runId: string; line: StoredLine } | undefined {
  let runId = entry.flowRunId;
  if (typeof runId !== 'string' || !runId) return undefined;
  if (entry.flowName === MAP_SHARD_WORKFLOW && runId.includes('/')) runId = runId.slice(0, runId.lastIndexOf('/'));
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (!OWN.has(key)) fields[key] = value;
  const task = typeof entry.taskRunId === 'string';
  const line: StoredLine = {
    time: new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString(),
    level: PINO_LEVELS[entry.level as number] ?? 'info',
    message: typeof entry.msg === 'string' ? entry.msg : '',
    ...(task && typeof entry.taskName === 'string' ? { taskName: entry.taskName } : {}),
    ...(task ? { taskRunId: entry.taskRunId as string } : {}),
    ...(task && typeof entry.attempt === 'number' ? { attempt: entry.attempt } : {}),
    ...(entry.print === true ? { print: true } : {}),
    ...(typeof entry.pid === 'number' ? { pid: entry.pid } : {}),
    ...(Object.keys(fields).length ? { fields } : {}),
  };
  return { runId: runId as string, line };
}

/** The line a run's log ends with once it holds as many lines as it may. */
export function limitLine(maxLines: number): StoredLine {
  return {
    time: new Date().toISOString(),
    level: 'warn',
    message: `this run's log holds its first ${maxLines} lines (BATON_RUN_LOG_MAX_LINES); later lines were dropped`,
  };
}

/** Which lines a reader wants: of one task, at a level or above. */
export interface LineFilter {
  task?: string;
  level?: LogLevel;
}

export function lineMatcher(filter: LineFilter): (line: StoredLine) => boolean {
  const least = filter.level ? LOG_LEVELS.indexOf(filter.level) : 0;
  return (line) => (filter.task === undefined || line.taskName === filter.task) && LOG_LEVELS.indexOf(line.level) >= least;
}
