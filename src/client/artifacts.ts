/**
 * `client.artifacts`: what runs published for people to read. A run's artifacts are read from the
 * run by query; a key's versions across runs are found with the `BatonArtifactKeys` search
 * attribute, then read from each run.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { ARTIFACTS_QUERY, type Artifact } from '../core/artifacts';
import { NotFoundError } from '../core/errors';
import type { ArtifactVersions, FlowRunArtifact } from '../core/schemas';
import { ARTIFACT_KEYS } from '../core/search-attributes';
import type { ClientContext } from './client-context';
import { quote } from './visibility';

const QUERY_DEADLINE_MS = 10_000;
/** Runs read for a key's versions unless told otherwise. */
const DEFAULT_RUNS = 20;

export class Artifacts {
  constructor(private readonly ctx: Pick<ClientContext, 'temporal'>) {}

  /** A flow run's artifacts, oldest first. A run of a flow that has none reads as empty. */
  async forFlowRun(flowRunId: string): Promise<FlowRunArtifact[]> {
    let artifacts: Artifact[];
    try {
      artifacts = await this.ctx.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.ctx.temporal.workflow.getHandle(flowRunId).query<Artifact[]>(ARTIFACTS_QUERY),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
      // A run started before artifacts existed, or not a Baton flow.
      if (err instanceof QueryNotRegisteredError) return [];
      throw err;
    }
    return (Array.isArray(artifacts) ? artifacts : []).map((a) => ({ ...a, flowRunId }));
  }

  /** Every version of `key`, latest first, from the latest `runs` flow runs that created it (default 20). */
  async versions(key: string, options: { runs?: number } = {}): Promise<ArtifactVersions> {
    const ids: string[] = [];
    const runs = options.runs ?? DEFAULT_RUNS;
    for await (const execution of this.ctx.temporal.workflow.list({ query: `${ARTIFACT_KEYS.name} = ${quote(key)}`, pageSize: runs })) {
      ids.push(execution.workflowId);
      if (ids.length >= runs) break;
    }
    const found = await Promise.all(
      ids.map((id) =>
        this.forFlowRun(id).catch((err: unknown) => {
          // A run deleted since the list: it has no versions any more.
          if (err instanceof NotFoundError) return [];
          throw err;
        }),
      ),
    );
    // Each run's latest first, then a stable sort by creation time: a run's versions made in the same ms keep their order.
    const versions = found.flatMap((artifacts) => artifacts.filter((a) => a.key === key).reverse());
    versions.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { key, versions };
  }
}
