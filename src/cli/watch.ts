/** `watch`: the task runs' states live until the run ends, then the result. */
import type { FlowRun } from '../core/schemas';
import { isFinal, type State } from '../core/states';
import type { ApiClient } from './api-client';
import { printJson, say } from './output';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows a run until it ends; returns its final view. Prints changes as they happen unless `json`. */
export async function watchRun(api: ApiClient, id: string, options: { json: boolean; intervalMs?: number }): Promise<FlowRun> {
  const seen = new Map<string, string>();
  let lastState: State | undefined;
  const report = (line: string) => {
    if (!options.json) say(`${new Date().toISOString().slice(11, 19)}  ${line}`);
  };
  for (;;) {
    const run = await api.call<FlowRun>('GET', `/api/flow-runs/${encodeURIComponent(id)}`);
    if (run.state !== lastState) {
      report(`flow run ${run.runName ?? run.id}: ${run.state}`);
      lastState = run.state;
    }
    for (const t of run.taskRuns) {
      const label = `${t.state}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}`;
      if (seen.get(t.id) !== label) {
        seen.set(t.id, label);
        report(`  ${t.kind === 'subflow' ? 'subflow ' : ''}${t.runName ?? t.name}: ${label}${t.error ? ` - ${t.error.message}` : ''}`);
      }
    }
    if (isFinal(run.state)) {
      if (options.json) printJson(run);
      else if (run.state === 'Completed') say(`result: ${JSON.stringify(run.result)}`);
      else say(`error: ${run.error?.type ? `${run.error.type}: ` : ''}${run.error?.message ?? run.state}`);
      return run;
    }
    await sleep(options.intervalMs ?? 500);
  }
}
