/**
 * The worker's side of run logs: every line its logger writes that names a flow run is kept in
 * that run's log. Lines are gathered for a moment and appended in batches, so logging never waits
 * for the store; a store that fails costs lines, never a task (and says so, once a minute).
 *
 * One sink per process, like Temporal's runtime whose flow logs it takes: the first worker to start
 * installs it, the last to stop flushes and closes it.
 */
import type { Logger } from 'pino';
import { runLine, type StoredLine } from './run-log-line';
import type { RunLogStore } from './run-log-store';

/** Lines wait at most this long before they are appended... */
const FLUSH_MS = 200;
/** ...or until this many are waiting. */
const FLUSH_LINES = 1_000;
/** Lines held while the store does not answer; more are dropped. */
const MAX_PENDING = 50_000;
/** How often old logs are swept from a store whose entries do not expire by themselves. */
const SWEEP_MS = 60 * 60 * 1000;

export class RunLogSink {
  private pending = new Map<string, StoredLine[]>();
  private count = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastWarning = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly store: RunLogStore,
    private readonly retentionMs: number,
    private readonly logger?: Logger,
  ) {
    const sweep = () => void store.sweep(retentionMs).catch((err: unknown) => this.warn(err, 'run logs: sweeping old logs failed'));
    sweep();
    this.sweeper = setInterval(sweep, SWEEP_MS).unref();
  }

  /** Takes one line as pino wrote it (JSON); lines of no flow run are ignored. */
  take(text: string): void {
    // Most lines of a busy worker name no run: skip them before parsing.
    if (!text.includes('"flowRunId":"')) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const found = runLine(entry);
    if (!found) return;
    if (this.count >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    const lines = this.pending.get(found.runId);
    if (lines) lines.push(found.line);
    else this.pending.set(found.runId, [found.line]);
    this.count++;
    if (this.count >= FLUSH_LINES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Appends what is waiting; resolves once every line taken so far is written (or given up). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count) {
      const batch = this.pending;
      // A flow's lines reach the logger late (after its workflow task): in time order within a batch.
      for (const lines of batch.values()) lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      this.pending = new Map();
      this.count = 0;
      this.writing = this.writing.then(() =>
        this.store.append(batch, this.retentionMs).catch((err: unknown) => {
          const lost = [...batch.values()].reduce((n, lines) => n + lines.length, 0);
          this.warn(err, `run logs: ${lost} lines could not be stored`);
        }),
      );
    }
    if (this.dropped) {
      this.warn(undefined, `run logs: ${this.dropped} lines were dropped while the store was behind`);
      this.dropped = 0;
    }
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.flush();
    await this.store.close();
  }

  /** A warning with no flow run id (so it is not taken back in), at most once a minute. */
  private warn(err: unknown, message: string): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger?.warn({ err: err instanceof Error ? err.message : err, store: this.store.kind }, message);
  }
}

let installed: { sink: RunLogSink; users: number } | undefined;

/** The process's sink, if a worker installed one. */
export function runLogSink(): RunLogSink | undefined {
  return installed?.sink;
}

/**
 * Installs the process's sink over `open()`'s store, or joins the one installed; returns the
 * release to call when the worker stops (the last release flushes and closes it).
 */
export async function useRunLogSink(open: () => Promise<RunLogSink | undefined>): Promise<() => Promise<void>> {
  if (!installed) {
    const sink = await open();
    if (!sink) return async () => undefined;
    // Another worker of this process may have installed one meanwhile: keep the first.
    if (installed) await sink.close();
    else installed = { sink, users: 0 };
  }
  const mine = installed!;
  mine.users++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--mine.users > 0) return void (await mine.sink.flush());
    if (installed === mine) installed = undefined;
    await mine.sink.close();
  };
}
