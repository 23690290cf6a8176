/**
 * `baton flow-run watch <id> --progress`: the run's progress artifacts as bars, a line each time
 * one moves, until the run ends. Read from `GET /api/flow-runs/:id/artifacts`, polled.
 */
import { isFinal, type State } from '../core/states';
import type { ArtifactList, FlowRun, FlowRunArtifact } from '../core/schemas';
import type { ApiClient } from './api-client';
import { progressBar } from './artifact-commands';
import { say } from './output';

const label = (a: FlowRunArtifact) => a.key ?? a.description ?? `${a.task?.taskName ?? 'flow'} ${a.id.slice(a.id.lastIndexOf('#') + 1)}`;

/** Prints each progress artifact as it moves; returns 0 when the run completes, 1 when it ends otherwise. */
export async function watchProgress(api: ApiClient, id: string, options: { json: boolean; pollMs?: number }): Promise<number> {
  const base = `/api/flow-runs/${encodeURIComponent(id)}`;
  const shown = new Map<string, unknown>();
  for (;;) {
    // The state first: artifacts read after it are at least as new as a final state says.
    const run = await api.call<FlowRun>('GET', base);
    const { artifacts } = await api.call<ArtifactList>('GET', `${base}/artifacts`);
    for (const a of artifacts) {
      if (a.type !== 'progress' || shown.get(a.id) === a.data) continue;
      shown.set(a.id, a.data);
      say(options.json ? JSON.stringify(a) : `${label(a)} ${progressBar(Number(a.data))}`);
    }
    if (isFinal(run.state as State)) {
      if (!options.json) say(`flow run ${id}: ${run.state}`);
      return run.state === 'Completed' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}
