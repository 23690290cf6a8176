/**
 * Reads what the compose test's tasks recorded (test/compose/flows/tasks.js) and works out
 * whether any step that had completed ran again, and what the killed worker held.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface JournalRecord {
  event: 'start' | 'done';
  flowRunId: string;
  step: number;
  attempt: number;
  /** The worker process (a random id per process). */
  worker: string;
  /** The Docker container the process ran in. */
  container: string;
  /** Epoch ms. */
  at: number;
}

export function readJournal(dir: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      // A process killed mid-write can leave a torn last line; it is no record.
      if (line.trim()) {
        try {
          records.push(JSON.parse(line) as JournalRecord);
        } catch {
          // ignored on purpose: see above
        }
      }
    }
  }
  return records.sort((a, b) => a.at - b.at);
}

const stepKey = (r: JournalRecord) => `${r.flowRunId}#${r.step}`;

export function analyse(records: JournalRecord[], kill: { victim: string; killedAt: number }) {
  const done = new Map<string, JournalRecord[]>();
  for (const r of records.filter((r) => r.event === 'done')) done.set(stepKey(r), [...(done.get(stepKey(r)) ?? []), r]);

  const doneTwice = [...done.entries()].filter(([, rs]) => rs.length > 1).map(([key]) => key);
  const startedAfterDone = records
    .filter((r) => r.event === 'start' && done.has(stepKey(r)) && r.at > done.get(stepKey(r))![0]!.at)
    .map((r) => `${stepKey(r)} attempt ${r.attempt}`);

  // Processes that lived in the killed container before the kill: none of them may write after it.
  const victimWorkers = new Set(records.filter((r) => r.container === kill.victim && r.at <= kill.killedAt).map((r) => r.worker));
  const victimWritesAfterKill = records.filter((r) => victimWorkers.has(r.worker) && r.at > kill.killedAt).map(stepKey);

  // Attempts that started and never finished in their own process.
  const finishedAttempts = new Set(records.filter((r) => r.event === 'done').map((r) => `${r.worker} ${stepKey(r)} ${r.attempt}`));
  const interrupted = records.filter((r) => r.event === 'start' && !finishedAttempts.has(`${r.worker} ${stepKey(r)} ${r.attempt}`));
  // Each was the killed process's, and was then completed by another process.
  const interruptedElsewhere = interrupted
    .filter((r) => !victimWorkers.has(r.worker) || !(done.get(stepKey(r)) ?? []).some((d) => !victimWorkers.has(d.worker)))
    .map((r) => `${stepKey(r)} in ${r.container.slice(0, 12)}`);

  return {
    keys: done.size,
    doneTwice,
    startedAfterDone,
    interrupted,
    interruptedElsewhere,
    victimWritesAfterKill,
    summary: {
      records: records.length,
      containers: new Set(records.map((r) => r.container)).size,
      workerProcesses: new Set(records.map((r) => r.worker)).size,
      interruptedByKill: interrupted.length,
      rerunAttempts: records.filter((r) => r.event === 'start' && r.attempt > 1).length,
    },
  };
}
