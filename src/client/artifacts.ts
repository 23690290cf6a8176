/**
 * `client.artifacts`: what runs published for people to read. A run's artifacts are read from the
 * run by query; a key's versions across runs are found with the `BatonArtifactKeys` search
 * attribute, then read from each run.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { ARTIFACTS_QUERY, type Artifact } from '../core/artifacts';
import { NotFoundError, WorkerUnavailableError } from '../core/errors';
import type { ArtifactVersions, FlowRunArtifact } from '../core/schemas';
import { ARTIFACT_KEYS } from '../core/search-attributes';
import type { ClientContext } from './client-context';
import { isNoPoller } from './temporal-values';
import { itemDeadline, quote, readEach } from './visibility';

const QUERY_DEADLINE_MS = 10_000;
/** Milliseconds each run has to answer when a key's versions are read across runs. */
const VERSIONS_DEADLINE_MS = 3_000;
/** Milliseconds reading a key's versions may take in all: well inside the API's 10 s per request. */
const VERSIONS_BUDGET_MS = 7_000;

/** A gRPC DEADLINE_EXCEEDED, as the SDK wraps it (a ServiceError whose cause has code 4). */
function isDeadline(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause?.code === 4 || (err as { code?: unknown } | undefined)?.code === 4;
}
/** Runs read for a key's versions unless told otherwise. */
const DEFAULT_RUNS = 20;

export class Artifacts {
  constructor(private readonly ctx: Pick<ClientContext, 'temporal'>) {}

  /**
   * A flow run's artifacts, oldest first. A run of a flow that has none reads as empty, and so does
   * a run no worker has taken up yet (no completed workflow task: it has published nothing, and a
   * query would wait for a worker).
   */
  async forFlowRun(flowRunId: string, deadlineMs = QUERY_DEADLINE_MS): Promise<FlowRunArtifact[]> {
    let artifacts: Artifact[];
    const handle = this.ctx.temporal.workflow.getHandle(flowRunId);
    const notFound = (err: unknown) => (err instanceof WorkflowNotFoundError ? new NotFoundError(`no flow run with id '${flowRunId}'`) : err);
    // Started, workflow task scheduled, started, completed: before the fourth event nothing ran.
    const described = await handle.describe().catch((err: unknown) => Promise.reject(notFound(err)));
    if (described.historyLength < 4) return [];
    try {
      artifacts = await this.ctx.temporal.withDeadline(Date.now() + deadlineMs, () => handle.query<Artifact[]>(ARTIFACTS_QUERY));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(err);
      // A run started before artifacts existed, or not a Baton flow.
      if (err instanceof QueryNotRegisteredError) return [];
      // Temporal answered the describe but nothing answered the query: no worker of the run's flow polls its task queue.
      if (isDeadline(err) || isNoPoller(err)) {
        throw new WorkerUnavailableError(
          `no worker answered for flow run '${flowRunId}' within ${deadlineMs / 1000} s: a run's artifacts are read from the run by a worker of its flow`,
          flowRunId,
        );
      }
      throw err;
    }
    return (Array.isArray(artifacts) ? artifacts : []).map((a) => ({ ...a, flowRunId }));
  }

  /**
   * Every version of `key`, latest first, from the latest `runs` flow runs that created it (default
   * 20). Runs are read 16 at a time, each with 3 s to answer and the whole read inside a request's
   * deadline; a run that does not answer in time (no worker of its flow, a busy one, a replay that
   * fails) is named in `unavailableRuns` rather than failing the whole answer.
   */
  async versions(key: string, options: { runs?: number } = {}): Promise<ArtifactVersions> {
    const end = Date.now() + VERSIONS_BUDGET_MS;
    const ids: string[] = [];
    const runs = options.runs ?? DEFAULT_RUNS;
    for await (const execution of this.ctx.temporal.workflow.list({ query: `${ARTIFACT_KEYS.name} = ${quote(key)}`, pageSize: runs })) {
      // A retried run has a record per attempt under one id: its artifacts are read once, from the latest.
      if (!ids.includes(execution.workflowId)) ids.push(execution.workflowId);
      if (ids.length >= runs) break;
    }
    const unavailable = new Set<string>();
    const found = await readEach(
      ids,
      async (id) => {
        const deadline = itemDeadline(end, VERSIONS_DEADLINE_MS);
        try {
          if (deadline !== undefined) return await this.ctx.temporal.withDeadline(deadline, () => this.forFlowRun(id, deadline - Date.now()));
        } catch (err) {
          // A run deleted since the list: it has no versions any more.
          if (err instanceof NotFoundError) return [];
        }
        unavailable.add(id);
        return [];
      },
      16,
    );
    // Each run's latest first, then a stable sort by creation time: a run's versions made in the same ms keep their order.
    const versions = found.flatMap((artifacts) => artifacts.filter((a) => a.key === key).reverse());
    versions.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { key, versions, unavailableRuns: ids.filter((id) => unavailable.has(id)) };
  }
}
