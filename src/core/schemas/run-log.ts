/** A flow run's log lines as the API serves them: what its flow code and task code logged. */
import { z } from 'zod';
import { contract, doc } from './contract';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LogLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` });
export type LogLevel = z.infer<typeof LogLevel>;

/** A place in a run's log: give it back as `after` to read on from there. */
const Cursor = z
  .string()
  .max(40)
  .regex(/^\d{1,20}(-\d{1,20})?$/, 'is not a cursor this API gave out (pass `next` from the previous page as it is)');

export const RunLogLine = z
  .object({
    cursor: doc(Cursor, "This line's place: `after` set to it reads the lines after it."),
    time: z.string(),
    level: LogLevel,
    message: z.string(),
    taskName: doc(z.string().optional(), 'Set on lines a task logged (absent for the flow itself).'),
    taskRunId: z.string().optional(),
    attempt: doc(z.number().int().optional(), "The task run's attempt that logged it."),
    print: doc(z.boolean().optional(), 'A `console.log` of a task with `logPrints`.'),
    pid: doc(z.number().int().optional(), 'The worker process that logged it.'),
    fields: doc(z.record(z.string(), z.unknown()).optional(), 'Other fields of the line, such as `err`.'),
  })
  .register(contract, { id: 'RunLogLine' });
export type RunLogLine = z.infer<typeof RunLogLine>;

export const RunLogPage = z
  .object({
    lines: z.array(RunLogLine),
    next: doc(Cursor.or(z.literal('')), 'Where the next page starts: pass it as `after` (also to wait for more lines of a running flow run).'),
  })
  .register(contract, { id: 'RunLogPage' });
export type RunLogPage = z.infer<typeof RunLogPage>;

export const RunLogQuery = z
  .object({
    task: doc(z.string().min(1).max(200).optional(), 'Only lines of this task (its name).'),
    level: doc(LogLevel.optional(), 'Only lines at this level or above.'),
    after: doc(Cursor.optional(), 'Only lines after this cursor (`next` of the previous page, or a line’s `cursor`).'),
    limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(1_000).default(200),
  })
  .strict();
export type RunLogQuery = z.infer<typeof RunLogQuery>;

/** The stream variant: no page size, it goes on until the run ends. */
export const RunLogStreamQuery = RunLogQuery.omit({ limit: true }).strict();
export type RunLogStreamQuery = z.infer<typeof RunLogStreamQuery>;
