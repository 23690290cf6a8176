/**
 * Artifacts from task code: each create or progress update is one signal to the task's flow run
 * (see core/artifacts.ts), awaited, so a task that goes on after `await createTableArtifact(...)`
 * knows its flow run holds it. Artifacts are numbered per attempt: a later attempt's n-th artifact
 * replaces the earlier attempt's n-th, so a retried task does not show its failed attempt's
 * artifacts beside its own (the artifact tells which attempt made it).
 */
import type { Client } from '@temporalio/client';
import {
  ArtifactError,
  ARTIFACTS_SIGNAL,
  checkArtifact,
  checkProgress,
  type ArtifactOp,
  type ArtifactSource,
  type ArtifactType,
  type CreateArtifactOptions,
} from '../core/artifacts';
import { currentRunContext } from './run-context';
import { anySecretRead, secretNameIn } from './secret-values';

/** How long a signal is tried again while Temporal does not take it. */
const SEND_PATIENCE_MS = 20_000;

export class TaskArtifacts {
  private count = 0;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: { workflowId: string; runId?: string },
    private readonly source: ArtifactSource,
    private readonly client: () => Promise<Client>,
  ) {}

  async create(artifact: ArtifactOp['artifact']): Promise<string> {
    const secret = anySecretRead() ? secretNameIn(JSON.stringify(artifact)) : undefined;
    if (secret) throw new ArtifactError(`the artifact holds the secret '${secret}': artifacts are kept in the flow run's history, which secrets never reach`);
    const index = ++this.count;
    await this.send({ source: this.source, index, artifact });
    return `${this.source.taskRunId}#${index}`;
  }

  async update(id: string, progress: number): Promise<void> {
    const prefix = `${this.source.taskRunId}#`;
    const index = id.startsWith(prefix) ? Number(id.slice(prefix.length)) : NaN;
    if (!Number.isInteger(index) || index < 1 || index > this.count) {
      throw new ArtifactError(`no progress artifact with id '${id}' created by this task attempt`);
    }
    await this.send({ source: this.source, index, progress });
  }

  /** One op at a time, in order: an update never overtakes its create. */
  private send(op: ArtifactOp): Promise<void> {
    const sent = this.sending.then(() => this.deliver(op));
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  private async deliver(op: ArtifactOp): Promise<void> {
    const giveUpAt = Date.now() + SEND_PATIENCE_MS;
    for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
      try {
        const client = await this.client();
        await client.workflow.getHandle(this.target.workflowId, this.target.runId).signal(ARTIFACTS_SIGNAL, op);
        return;
      } catch (err) {
        if ((err as { name?: string }).name === 'WorkflowNotFoundError' || Date.now() + wait >= giveUpAt) {
          // The artifact's contents are not in the message: they may be private.
          throw new ArtifactError(`the artifact could not reach flow run '${this.target.workflowId}': ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}

function artifacts(): TaskArtifacts {
  const context = currentRunContext();
  if (!context?.artifacts) throw new ArtifactError(`this create function is for tasks; in a flow, import it from 'baton/workflows'`);
  return context.artifacts;
}

const create = (type: ArtifactType, data: unknown, options?: CreateArtifactOptions) => {
  const checked = checkArtifact(type, data, options);
  return artifacts().create(checked);
};

/** Publishes a markdown artifact from task code (Prefect's `create_markdown_artifact`); resolves to its id. */
export const createMarkdownArtifact = (markdown: string, options?: CreateArtifactOptions): Promise<string> => create('markdown', markdown, options);
/** Publishes a table (rows as objects or arrays) from task code (`create_table_artifact`); resolves to its id. */
export const createTableArtifact = (table: readonly object[], options?: CreateArtifactOptions): Promise<string> => create('table', table, options);
/** Publishes a link (an http(s) URL) from task code (`create_link_artifact`); resolves to its id. */
export const createLinkArtifact = (url: string, options?: CreateArtifactOptions): Promise<string> => create('link', url, options);
/** Publishes an image by its http(s) URL from task code (`create_image_artifact`); resolves to its id. */
export const createImageArtifact = (url: string, options?: CreateArtifactOptions): Promise<string> => create('image', url, options);
/** Publishes a progress artifact (0-100) from task code (`create_progress_artifact`); resolves to its id for updateProgressArtifact. */
export const createProgressArtifact = (progress: number, options?: CreateArtifactOptions): Promise<string> => create('progress', progress, options);

/** Sets a progress artifact this task attempt created to `progress` (0-100) (`update_progress_artifact`). */
export async function updateProgressArtifact(id: string, progress: number): Promise<void> {
  checkProgress(progress);
  await artifacts().update(id, progress);
}
