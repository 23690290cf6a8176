/**
 * Artifacts: what a run publishes for people to read (a markdown report, a table, a link, an
 * image, a progress bar), like Prefect's `create_*_artifact`. Pure: used in flows and in Node.
 *
 * Where they live: in the flow run's own state, like its stream. Artifacts a flow creates cost no
 * history event (replay creates them again); artifacts a task creates reach the flow as signals.
 * Readers ask with a query. A keyed artifact's key is also added to the run's `BatonArtifactKeys`
 * search attribute, so a key's history across runs is one visibility query away.
 */
import { BatonError } from './errors';

/** Query: () → Artifact[] (oldest first). */
export const ARTIFACTS_QUERY = 'baton.artifacts';
/** Signal: an ArtifactOp from a task attempt. */
export const ARTIFACTS_SIGNAL = 'baton.artifacts.op';

export const ARTIFACT_TYPES = ['markdown', 'table', 'link', 'image', 'progress'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

/** Prefect's key rule: lowercase letters, digits and dashes. */
export const ARTIFACT_KEY_PATTERN = /^[a-z0-9-]{1,100}$/;
/** The most an artifact's data and description may weigh, as JSON, in bytes (payload and query limits). */
export const ARTIFACT_MAX_BYTES = 32 * 1024;
/** The most artifacts one flow run keeps (every artifact is answered by one query). */
export const ARTIFACTS_PER_RUN_MAX = 50;

/** Who created an artifact from a task: the task run and its attempt. */
export interface ArtifactSource {
  taskRunId: string;
  taskName: string;
  attempt: number;
}

export interface Artifact {
  /** Unique in its run: `flow:<n>` for the flow's, `<task run id>#<n>` for a task's n-th. */
  id: string;
  key?: string;
  type: ArtifactType;
  /** markdown: the text; table: rows (objects or arrays); link and image: the URL; progress: 0-100. */
  data: unknown;
  description?: string;
  /** Set on artifacts a task created: the attempt that created (or last replaced) it. */
  task?: ArtifactSource;
  /** Workflow time, ISO 8601. */
  createdAt: string;
  updatedAt: string;
}

/** A task attempt's create (or replace, on a later attempt) or progress update. */
export interface ArtifactOp {
  source: ArtifactSource;
  /** 1, 2, ... per attempt: the artifact's place among what this attempt created. */
  index: number;
  /** Absent for an update of progress. */
  artifact?: Pick<Artifact, 'key' | 'type' | 'data' | 'description'>;
  progress?: number;
}

export interface CreateArtifactOptions {
  /** Lowercase letters, digits and dashes: artifacts with the same key form its history of versions. */
  key?: string;
  description?: string;
}

export class ArtifactError extends BatonError {
  static override readonly code: string = 'ARTIFACT_INVALID';
  override readonly name: string = 'ArtifactError';
}

/** Checks what a create function was given and returns the artifact to store; throws ArtifactError naming the field. */
export function checkArtifact(type: ArtifactType, data: unknown, options: CreateArtifactOptions = {}): Pick<Artifact, 'key' | 'type' | 'data' | 'description'> {
  const { key, description } = options ?? {};
  if (key !== undefined && (typeof key !== 'string' || !ARTIFACT_KEY_PATTERN.test(key))) {
    throw new ArtifactError(`artifact key ${JSON.stringify(key)} is invalid: use 1-100 lowercase letters, digits or dashes`);
  }
  if (description !== undefined && typeof description !== 'string') throw new ArtifactError('artifact description must be a string');
  checkData(type, data);
  let bytes: number;
  try {
    bytes = JSON.stringify({ data, description }).length;
  } catch (err) {
    throw new ArtifactError(`artifact data must be JSON: ${(err as Error).message}`);
  }
  if (bytes > ARTIFACT_MAX_BYTES) {
    throw new ArtifactError(`artifact${key ? ` '${key}'` : ''} is ${bytes} bytes as JSON; the most is ${ARTIFACT_MAX_BYTES}: store it elsewhere and link to it`);
  }
  return { type, data, ...(key !== undefined ? { key } : {}), ...(description !== undefined ? { description } : {}) };
}

function checkData(type: ArtifactType, data: unknown): void {
  switch (type) {
    case 'markdown':
      if (typeof data !== 'string') throw new ArtifactError('markdown artifact: markdown must be a string');
      return;
    case 'table':
      if (!Array.isArray(data) || !data.every((row) => typeof row === 'object' && row !== null)) {
        throw new ArtifactError('table artifact: table must be an array of rows (objects or arrays)');
      }
      return;
    case 'link':
    case 'image':
      if (typeof data !== 'string' || !/^https?:\/\/\S+$/.test(data)) throw new ArtifactError(`${type} artifact: url must be an http(s) URL`);
      return;
    case 'progress':
      checkProgress(data);
  }
}

/** A progress value: a number from 0 to 100. */
export function checkProgress(progress: unknown): number {
  if (typeof progress !== 'number' || !Number.isFinite(progress) || progress < 0 || progress > 100) {
    throw new ArtifactError(`progress must be a number from 0 to 100 (got ${JSON.stringify(progress)})`);
  }
  return progress;
}
