/**
 * A flow run's artifacts, flow side: the create functions flow code calls, the query readers ask,
 * and the signal tasks send theirs with. See core/artifacts.ts for where they live. Sandbox-safe.
 */
import { defineQuery, defineSignal, inWorkflowContext, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  ArtifactError,
  ARTIFACTS_PER_RUN_MAX,
  ARTIFACTS_QUERY,
  ARTIFACTS_SIGNAL,
  checkArtifact,
  checkProgress,
  type Artifact,
  type ArtifactOp,
  type ArtifactType,
  type CreateArtifactOptions,
} from '../core/artifacts';
import { ARTIFACT_KEYS } from '../core/search-attributes';
import { runState } from './run-state';

interface ArtifactState {
  items: Artifact[];
  keys: Set<string>;
  /** How many artifacts the flow's own code created (ids `flow:<n>`). */
  flowCount: number;
  /** Per task run, the latest attempt heard from: ops of older attempts come late and are dropped. */
  attempts: Map<string, number>;
}

const ARTIFACTS = Symbol.for('baton.run.artifacts');
const current = () => runState<ArtifactState>(ARTIFACTS, () => ({ items: [], keys: new Set(), flowCount: 0, attempts: new Map() }));

const artifactsQuery = defineQuery<Artifact[]>(ARTIFACTS_QUERY);
const artifactsSignal = defineSignal<[ArtifactOp]>(ARTIFACTS_SIGNAL);

/** Installs the artifacts' query and signal handlers (once per run, before the flow's body). */
export function installArtifactHandlers(): void {
  const s = current();
  setHandler(artifactsQuery, () => s.items);
  setHandler(artifactsSignal, (op: ArtifactOp) => takeOp(op));
}

/** Workflow time: the same on replay. */
const now = () => new Date().toISOString();

/** Adds an artifact, or replaces the one with its id; false when the run holds its most already. */
function put(artifact: Omit<Artifact, 'createdAt' | 'updatedAt'>): boolean {
  const s = current();
  const at = now();
  const i = s.items.findIndex((a) => a.id === artifact.id);
  if (i >= 0) {
    // A later attempt of a task made it again: it replaces the earlier attempt's, in place.
    s.items[i] = { ...artifact, createdAt: s.items[i]!.createdAt, updatedAt: at };
  } else {
    if (s.items.length >= ARTIFACTS_PER_RUN_MAX) return false;
    s.items.push({ ...artifact, createdAt: at, updatedAt: at });
  }
  if (artifact.key && !s.keys.has(artifact.key)) {
    s.keys.add(artifact.key);
    upsertSearchAttributes([{ key: ARTIFACT_KEYS, value: [...s.keys] }]);
  }
  return true;
}

function takeOp(op: ArtifactOp): void {
  const source = op?.source;
  if (!source || typeof source.taskRunId !== 'string' || !Number.isInteger(source.attempt) || !Number.isInteger(op.index)) return;
  const s = current();
  const latest = s.attempts.get(source.taskRunId) ?? 0;
  if (source.attempt < latest) return;
  s.attempts.set(source.taskRunId, source.attempt);
  const id = `${source.taskRunId}#${op.index}`;
  if (op.artifact) {
    // A signal cannot fail its sender: what the task checked before sending is trusted, and a run over its most drops the rest.
    put({ id, ...op.artifact, task: { taskRunId: source.taskRunId, taskName: source.taskName, attempt: source.attempt } });
  } else if (typeof op.progress === 'number') {
    const artifact = s.items.find((a) => a.id === id);
    if (artifact && artifact.type === 'progress') {
      artifact.data = op.progress;
      artifact.updatedAt = now();
    }
  }
}

function create(type: ArtifactType, data: unknown, options?: CreateArtifactOptions): string {
  if (!inWorkflowContext()) throw new ArtifactError(`this create function is for flows; in a task, import it from 'baton'`);
  const checked = checkArtifact(type, data, options);
  const s = current();
  const id = `flow:${s.flowCount + 1}`;
  if (!put({ id, ...checked })) throw new ArtifactError(`a flow run keeps at most ${ARTIFACTS_PER_RUN_MAX} artifacts (flow run '${workflowInfo().workflowId}')`);
  s.flowCount++;
  return id;
}

/** Publishes a markdown artifact from flow code (Prefect's `create_markdown_artifact`); returns its id. */
export const createMarkdownArtifact = (markdown: string, options?: CreateArtifactOptions): string => create('markdown', markdown, options);
/** Publishes a table (rows as objects or arrays) from flow code (`create_table_artifact`); returns its id. */
export const createTableArtifact = (table: readonly object[], options?: CreateArtifactOptions): string => create('table', table, options);
/** Publishes a link (an http(s) URL) from flow code (`create_link_artifact`); returns its id. */
export const createLinkArtifact = (url: string, options?: CreateArtifactOptions): string => create('link', url, options);
/** Publishes an image by its http(s) URL from flow code (`create_image_artifact`); returns its id. */
export const createImageArtifact = (url: string, options?: CreateArtifactOptions): string => create('image', url, options);
/** Publishes a progress artifact (0-100) from flow code (`create_progress_artifact`); returns its id for updateProgressArtifact. */
export const createProgressArtifact = (progress: number, options?: CreateArtifactOptions): string => create('progress', progress, options);

/** Sets a progress artifact this flow created to `progress` (0-100) (`update_progress_artifact`). */
export function updateProgressArtifact(id: string, progress: number): void {
  checkProgress(progress);
  const artifact = current().items.find((a) => a.id === id);
  if (!artifact || artifact.type !== 'progress') throw new ArtifactError(`no progress artifact with id '${id}' in this flow run`);
  artifact.data = progress;
  artifact.updatedAt = now();
}
