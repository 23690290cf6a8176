/** `baton artifact ls | inspect`: what runs published for people to read (Prefect's `prefect artifact ls | inspect`). */
import { ArtifactKey, type ArtifactList, type ArtifactVersions, type FlowRunArtifact } from '../core/schemas';
import type { ApiClient } from './api-client';
import { parse, str, UsageError } from './args';
import { complain, printJson, say, table, when } from './output';

/** An artifact's data on one line, cut to fit: a bar for progress, the row count for a table. */
export function dataLine(a: FlowRunArtifact, width = 60): string {
  if (a.type === 'progress' && typeof a.data === 'number') return progressBar(a.data);
  if (a.type === 'table' && Array.isArray(a.data)) return `${a.data.length} rows`;
  const text = (typeof a.data === 'string' ? a.data : JSON.stringify(a.data)).replace(/\s+/g, ' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** `[######    ] 60%` */
export function progressBar(progress: number, width = 20): string {
  const filled = Math.round((Math.min(100, Math.max(0, progress)) / 100) * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(progress)}%`;
}

const key = (value: string, flag: string) => {
  if (!ArtifactKey.safeParse(value).success) throw new UsageError(`${flag} must be 1-100 lowercase letters, digits or dashes, got '${value}'`);
  return value;
};

export async function artifactCommand(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  switch (sub) {
    case 'ls': {
      const { values } = parse(args, { key: { type: 'string' }, 'flow-run': { type: 'string' }, json: { type: 'boolean' } });
      const byKey = str(values, 'key');
      const run = str(values, 'flow-run');
      if (byKey === undefined && run === undefined) throw new UsageError('artifact ls needs --key k or --flow-run id');
      let artifacts: FlowRunArtifact[];
      let unavailableRuns: string[] | undefined;
      if (run !== undefined) {
        artifacts = (await api.call<ArtifactList>('GET', `/api/flow-runs/${encodeURIComponent(run)}/artifacts`)).artifacts;
        if (byKey !== undefined) artifacts = artifacts.filter((a) => a.key === key(byKey, '--key'));
      } else {
        const found = await api.call<ArtifactVersions>('GET', `/api/artifacts?key=${key(byKey!, '--key')}`);
        artifacts = found.versions;
        unavailableRuns = found.unavailableRuns;
        unreadable(found);
      }
      if (values.json) printJson(unavailableRuns ? { artifacts, unavailableRuns } : { artifacts });
      else {
        say(
          table(artifacts, {
            key: (a) => a.key,
            type: (a) => a.type,
            run: (a) => a.flowRunId,
            by: (a) => (a.task ? `${a.task.taskName}${a.task.attempt > 1 ? ` #${a.task.attempt}` : ''}` : 'flow'),
            data: (a) => dataLine(a),
            updated: (a) => when(a.updatedAt),
          }),
        );
      }
      return 0;
    }
    case 'inspect': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['key']);
      const found = await api.call<ArtifactVersions>('GET', `/api/artifacts?key=${key(positionals[0]!, 'key')}`);
      unreadable(found);
      if (values.json) {
        printJson(found);
        return 0;
      }
      say(`${found.key}: ${found.versions.length} version${found.versions.length === 1 ? '' : 's'}, latest first`);
      found.versions.forEach((a, i) => {
        say(`\nversion ${found.versions.length - i}  ${a.type}  run ${a.flowRunId}  ${when(a.createdAt)}${a.description ? `  ${a.description}` : ''}`);
        say(a.type === 'progress' && typeof a.data === 'number' ? progressBar(a.data) : typeof a.data === 'string' ? a.data : JSON.stringify(a.data, null, 2));
      });
      return 0;
    }
    default:
      throw new UsageError(`unknown artifact command '${sub ?? ''}' (ls, inspect)`);
  }
}

/** Says on stderr which runs' versions are missing because no worker answered for them. */
function unreadable(found: ArtifactVersions): void {
  const runs = found.unavailableRuns ?? [];
  if (runs.length)
    complain(
      `${runs.length} run${runs.length === 1 ? '' : 's'} with this key did not answer in time (no worker of its flow, or a busy one), so its versions are missing: ${runs.join(', ')}`,
    );
}
