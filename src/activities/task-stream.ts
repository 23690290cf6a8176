/**
 * A task's stream: what `getRunContext().stream()` publishes reaches the task's flow run as
 * signals, in batches, so a task streaming tokens one by one writes a few history events a
 * second rather than one per token. Batches go out one at a time, in order; each is numbered so
 * the flow takes a batch once even when a signal call is retried.
 */
import { anySecretRead, secretNameIn } from './secret-values';
import { BatonError } from '../core/errors';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { MAP_SHARD_WORKFLOW } from '../core/map-shard';
import { STREAM_SIGNAL, topicAndValue, type StreamBatch, type StreamSource } from '../core/stream';

/** A batch goes out this long after its first chunk, at the latest. */
export const STREAM_FLUSH_MS = 50;
/** ...or as soon as it holds this many chunks or bytes (well under Temporal's payload limits). */
const MAX_BATCH_CHUNKS = 1_000;
const MAX_BATCH_BYTES = 64 * 1024;
/** A producer awaiting `stream()` waits while this many batches are still being sent. */
const MAX_BATCHES_IN_FLIGHT = 4;
/** How long a batch is tried again while Temporal does not take it (beyond the client's own retries). */
const SEND_PATIENCE_MS = 60_000;

/** Where a task's stream goes: its flow run, or for a task in a sharded map, the map's flow run. */
export function streamTarget(info: { workflowType?: string; workflowExecution?: { workflowId: string; runId: string } }): {
  workflowId: string;
  runId?: string;
} {
  const execution = info.workflowExecution ?? { workflowId: '', runId: '' };
  // Shard ids are `<flow run id>/<task>-map<n>-<k>`, and task names contain no '/'.
  if (info.workflowType === MAP_SHARD_WORKFLOW) return { workflowId: execution.workflowId.slice(0, execution.workflowId.lastIndexOf('/')) };
  return { workflowId: execution.workflowId, runId: execution.runId };
}

export class TaskStream {
  private buffer: StreamBatch['chunks'] = [];
  private bytes = 0;
  private batch = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private streamed = false;
  /** Set once the flow run cannot take more (it has ended): the rest is dropped. */
  private closedReason: string | undefined;

  constructor(
    private readonly target: { workflowId: string; runId?: string },
    private readonly source: StreamSource,
    private readonly client: () => Promise<Client>,
    private readonly logger: () => Logger,
    /** Told when this attempt streams its first chunk (the task runner records it for later attempts). */
    private readonly onFirstChunk: () => void,
    /** Told how many items each batch carries as it goes out (metrics). */
    private readonly onSent?: (items: number) => void,
  ) {}

  /** Queues a chunk; resolves at once, or once the batches before it are sent when many are pending. */
  push(args: unknown[]): Promise<void> {
    const { topic, value } = topicAndValue(args, 'stream()');
    // Checked here, so a value JSON cannot carry fails where it was streamed.
    const json = JSON.stringify(value);
    const size = json.length;
    const secret = anySecretRead() ? secretNameIn(json ?? '') : undefined;
    if (secret) throw new BatonError(`stream() refused a value holding the secret '${secret}': a stream is kept in the flow run's history, which secrets never reach`);
    if (!this.streamed) {
      this.streamed = true;
      this.onFirstChunk();
    }
    this.buffer.push({ topic, value });
    this.bytes += size;
    if (this.buffer.length >= MAX_BATCH_CHUNKS || this.bytes >= MAX_BATCH_BYTES) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), STREAM_FLUSH_MS);
    return this.inFlight >= MAX_BATCHES_IN_FLIGHT ? this.sending : Promise.resolve();
  }

  /**
   * Tells the flow run that this attempt replaces earlier ones whose output it had taken (an
   * empty batch): it marks their items discarded even when this attempt streams nothing.
   */
  announceAttempt(): void {
    this.send([]);
  }

  /** Sends what is buffered; resolves once every batch so far is sent. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length) {
      const chunks = this.buffer;
      this.buffer = [];
      this.bytes = 0;
      this.send(chunks);
    }
    return this.sending;
  }

  private send(chunks: StreamBatch['chunks']): void {
    const batch: StreamBatch = { task: this.source, batch: ++this.batch, chunks };
    if (chunks.length) this.onSent?.(chunks.length);
    this.inFlight++;
    this.sending = this.sending.then(async () => {
      try {
        await this.deliver(batch);
      } finally {
        this.inFlight--;
      }
    });
  }

  /** Sends one batch, trying again for a while when Temporal does not take it. */
  private async deliver(batch: StreamBatch): Promise<void> {
    const giveUpAt = Date.now() + SEND_PATIENCE_MS;
    for (let wait = 200; !this.closedReason; wait = Math.min(wait * 2, 5_000)) {
      try {
        const client = await this.client();
        await client.workflow.getHandle(this.target.workflowId, this.target.runId).signal(STREAM_SIGNAL, batch);
        return;
      } catch (err) {
        // The flow run has ended (or was never there): nobody can read more of this stream.
        if ((err as { name?: string }).name === 'WorkflowNotFoundError') this.closedReason = 'the flow run has ended';
        else if (Date.now() + wait < giveUpAt) {
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        this.logger().warn({ err: (err as Error).message, batch: batch.batch, chunks: batch.chunks.length }, 'stream: a batch could not be sent; its chunks are lost');
        return;
      }
    }
  }
}
