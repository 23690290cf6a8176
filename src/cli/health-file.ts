/**
 * A health file for container health checks (BATON_HEALTH_FILE). While a `baton worker start` or
 * `baton api start` process is healthy it rewrites the file every few seconds; a checker reads
 * how old it is. A worker counts as healthy while it polls (state RUNNING); an API process also
 * records its URL, so a checker can ask `/api/health` whether Temporal answers.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface HealthRecord {
  /** Which parts this process runs. */
  roles: ('worker' | 'api')[];
  pid: number;
  /** When the process last found itself healthy (ISO time). */
  at: string;
  /** The API's URL, when this process serves it. */
  apiUrl?: string;
}

export interface HealthFile {
  stop(): void;
}

/** Rewrites `file` every `intervalMs` while `healthy()` holds; removes it on stop. */
export function startHealthFile(file: string, record: () => Omit<HealthRecord, 'pid' | 'at'>, healthy: () => boolean, intervalMs = 5_000): HealthFile {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const write = () => {
    if (!healthy()) return;
    const body: HealthRecord = { ...record(), pid: process.pid, at: new Date().toISOString() };
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(body) + '\n');
    fs.renameSync(tmp, file);
  };
  write();
  const timer = setInterval(write, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      fs.rmSync(file, { force: true });
    },
  };
}
