/** `watch`: the task runs' states live until the run ends, then the result. */
import type { FlowRun } from '../core/schemas';
import { isFinal, type State } from '../core/states';
import type { ApiClient } from './api-client';
import { printJson } from './output';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows a run until it ends; returns its final view. Prints changes as they happen unless `json`. */
export async function watchRun(api: ApiClient, id: string, options: { json: boolean; intervalMs?: number }): Promise<FlowRun> {
  const seen = new Map<string, string>();
  let lastState: State | undefined;
  const say = (line: string) => {
    if (!options.json) process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
  };
  for (;;) {
    const run = await api.call<FlowRun>('GET', `/api/flow-runs/${encodeURIComponent(id)}`);
    if (run.state !== lastState) {
      say(`flow run ${run.runName ?? run.id}: ${run.state}`);
      lastState = run.state;
    }
    for (const t of run.taskRuns) {
      const label = `${t.state}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}`;
      if (seen.get(t.id) !== label) {
        seen.set(t.id, label);
        say(`  ${t.kind === 'subflow' ? 'subflow ' : ''}${t.runName ?? t.name}: ${label}${t.error ? ` - ${t.error.message}` : ''}`);
      }
    }
    if (isFinal(run.state)) {
      if (options.json) printJson(run);
      else if (run.state === 'Completed') process.stdout.write(`result: ${JSON.stringify(run.result)}\n`);
      else process.stdout.write(`error: ${run.error?.type ? `${run.error.type}: ` : ''}${run.error?.message ?? run.state}\n`);
      return run;
    }
    await sleep(options.intervalMs ?? 500);
  }
}
