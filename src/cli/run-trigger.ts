/**
 * Starting a run from the CLI, shared by `baton flow run` and `baton deployment run`: the flags
 * both take, the trigger body they make, and what is printed or watched afterwards.
 */
import type { RunFlow, StartedRun } from '../core/schemas';
import type { ApiClient } from './api-client';
import { list, str, type Parsed } from './args';
import { printJson, say } from './output';
import { watchRun } from './watch';

/** Flags of every run trigger; each command adds where its parameters may also come from. */
export const RUN_FLAGS = {
  param: { type: 'string', multiple: true },
  'run-name': { type: 'string' },
  tag: { type: 'string', multiple: true },
  'idempotency-key': { type: 'string' },
  at: { type: 'string' },
  watch: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The trigger body for the run flags and the parameters gathered from them. */
export function runBody(values: Parsed['values'], parameters: Record<string, unknown>): RunFlow {
  const body: RunFlow = { parameters };
  if (str(values, 'run-name')) body.runName = str(values, 'run-name');
  if (list(values, 'tag').length) body.tags = list(values, 'tag');
  if (str(values, 'idempotency-key')) body.idempotencyKey = str(values, 'idempotency-key');
  if (str(values, 'at')) body.scheduledTime = str(values, 'at');
  return body;
}

/** Posts the trigger, then prints the run or, with --watch, follows it: 0 only when it completed. */
export async function triggerRun(api: ApiClient, path: string, body: RunFlow, values: Parsed['values']): Promise<number> {
  const run = await api.call<StartedRun>('POST', path, body);
  if (!values.watch) {
    if (values.json) printJson(run);
    else say(`${run.created ? 'started' : 'already started'} flow run ${run.id} (${run.runName ?? '-'})${run.webUrl ? `\n${run.webUrl}` : ''}`);
    return 0;
  }
  if (!values.json) say(`flow run ${run.id} (${run.runName ?? '-'})`);
  const final = await watchRun(api, run.id, { json: Boolean(values.json) });
  return final.state === 'Completed' ? 0 : 1;
}
