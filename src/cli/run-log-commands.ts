/**
 * `baton flow-run logs <id>`: a run's log lines, as Prefect's `prefect flow-run logs` prints
 * them: every line so far, or with `--follow` each line as it comes until the run ends.
 */
import { LogLevel, type RunLogLine, type RunLogPage } from '../core/schemas';
import type { ApiClient } from './api-client';
import { parse, positiveInt, str, UsageError } from './args';
import { say } from './output';
import { followEvents } from './stream-watch';

/** A line for people: time, level, who logged it, the message (and an error's). */
export function logLine(line: RunLogLine): string {
  const time = line.time.slice(11, 23);
  const who = line.taskName ? `${line.taskName}${line.attempt && line.attempt > 1 ? ` #${line.attempt}` : ''}` : 'flow';
  const err = (line.fields?.err as { message?: unknown } | undefined)?.message;
  return `${time} ${line.level.toUpperCase().padEnd(5)} [${who}] ${line.message}${typeof err === 'string' && err !== line.message ? ` (${err})` : ''}`;
}

export async function flowRunLogs(api: ApiClient, args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { follow: { type: 'boolean', short: 'f' }, task: { type: 'string' }, level: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    ['id'],
  );
  const id = positionals[0]!;
  const query = new URLSearchParams();
  const task = str(values, 'task');
  if (task !== undefined) {
    if (!task || task.length > 200) throw new UsageError('--task must be a task name of 1-200 characters');
    query.set('task', task);
  }
  const level = str(values, 'level');
  if (level !== undefined) {
    const parsed = LogLevel.safeParse(level);
    if (!parsed.success) throw new UsageError(`--level must be one of ${LogLevel.options.join(', ')}, got '${level}'`);
    query.set('level', parsed.data);
  }
  const print = (line: RunLogLine) => say(values.json ? JSON.stringify(line) : logLine(line));
  const base = `/api/flow-runs/${encodeURIComponent(id)}/logs`;
  if (values.follow) {
    if (values.limit !== undefined) throw new UsageError('--follow takes no --limit');
    return followEvents(api, `${base}/stream${query.size ? `?${query}` : ''}`, { what: `the logs of flow run ${id}` }, (event) =>
      print(JSON.parse(event.data) as RunLogLine),
    );
  }
  // Every line so far, a page at a time; --limit stops after that many.
  let left = positiveInt(values, 'limit') ?? Infinity;
  let after = '';
  while (left > 0) {
    const page = new URLSearchParams(query);
    page.set('limit', String(Math.min(1_000, left)));
    if (after) page.set('after', after);
    const { lines, next } = await api.call<RunLogPage>('GET', `${base}?${page}`);
    for (const line of lines) print(line);
    left -= lines.length;
    if (lines.length === 0 || next === after) break;
    after = next;
  }
  return 0;
}
