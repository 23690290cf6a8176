/**
 * Run logs in a folder, one JSON-lines file per run: the embedded default, for one machine.
 * Processes on that machine append to the same files (appends of whole lines do not interleave);
 * a line's cursor is the byte offset after it, so a reader following a run reads only what is new.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { limitLine, type StoredLine } from './run-log-line';
import type { RunLogPageRead, RunLogStore } from './run-log-store';

/** A stored line, or undefined for one that is not (a file edited by hand): skipped, not fatal. */
function parseLine(text: string): StoredLine | undefined {
  try {
    const line = JSON.parse(text) as StoredLine;
    return typeof line === 'object' && line !== null && typeof line.message === 'string' ? line : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes read per step while scanning a log. */
const CHUNK = 256 * 1024;

export class FileRunLogStore implements RunLogStore {
  readonly kind = 'file';
  /** Lines in each run's file, as this process last knew them (counted from the file once). */
  private readonly counts = new Map<string, number>();

  constructor(
    readonly dir: string,
    private readonly options: { maxLines: number },
  ) {}

  /** A run's file: its id, escaped, or for a long id its digest. */
  fileOf(runId: string): string {
    const name = encodeURIComponent(runId);
    return path.join(this.dir, `${name.length <= 200 ? name : createHash('sha256').update(runId).digest('hex')}.jsonl`);
  }

  private async lineCount(runId: string): Promise<number> {
    const known = this.counts.get(runId);
    if (known !== undefined) return known;
    let count = 0;
    try {
      const text = await fs.promises.readFile(this.fileOf(runId), 'utf8');
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // Forget runs long done rather than grow without end; a later line counts its file again.
    if (this.counts.size >= 10_000) this.counts.clear();
    this.counts.set(runId, count);
    return count;
  }

  /** Files expire by their last change (see sweep), so the retention is not needed here. */
  async append(runs: Map<string, StoredLine[]>, _retentionMs?: number): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    for (const [runId, lines] of runs) {
      const max = this.options.maxLines;
      let count = await this.lineCount(runId);
      if (count > max) continue;
      const kept = lines.slice(0, max - count);
      if (kept.length < lines.length) kept.push(limitLine(max));
      await fs.promises.appendFile(this.fileOf(runId), kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
      count += kept.length;
      this.counts.set(runId, count);
    }
  }

  async read(runId: string, options: { after?: string; limit: number; keep: (line: StoredLine) => boolean }): Promise<RunLogPageRead> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.fileOf(runId), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], next: options.after ?? '' };
      throw err;
    }
    try {
      const lines: RunLogPageRead['lines'] = [];
      let offset = options.after ? Number(options.after) : 0;
      let pending = Buffer.alloc(0);
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset + pending.length);
        if (bytesRead === 0) break;
        pending = Buffer.concat([pending, buffer.subarray(0, bytesRead)]);
        let start = 0;
        for (let end = pending.indexOf(10); end !== -1; end = pending.indexOf(10, start)) {
          const line = parseLine(pending.toString('utf8', start, end));
          start = end + 1;
          if (line && options.keep(line)) lines.push({ cursor: String(offset + start), ...line });
          if (lines.length >= options.limit) return { lines, next: String(offset + start) };
        }
        // Only whole lines are read: a line still being written waits for the next read.
        offset += start;
        pending = pending.subarray(start);
      }
      return { lines, next: offset > 0 || options.after ? String(offset) : '' };
    } finally {
      await handle.close();
    }
  }

  async sweep(retentionMs: number): Promise<void> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return;
    }
    const before = Date.now() - retentionMs;
    for (const name of names) {
      if (!name.endsWith('.jsonl')) continue;
      const file = path.join(this.dir, name);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (stat && stat.mtimeMs < before) await fs.promises.rm(file, { force: true });
    }
    this.counts.clear();
  }

  async close(): Promise<void> {}
}
