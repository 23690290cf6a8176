/**
 * The recorded-history fixture format shared by the recorder (record.ts) and the replay test:
 * one JSON file per scenario under test/fixtures/histories, holding every workflow execution the
 * scenario made (the flow run, its subflows and map shards, each run of a reset flow run). A
 * history alone does not name its workflow, and flows derive child ids from it, so each entry
 * keeps its workflow id beside the history (Temporal's proto JSON, as `temporal workflow show
 * --output json` writes it).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { historyFromJson, historyToJson } from './history-json';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');
/** The fixture module whose flows made the histories (and that replay runs them against). */
export const REPLAY_FLOWS = path.resolve(__dirname, '..', 'fixtures', 'replay');

/** One workflow execution of a scenario. */
export interface RecordedRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  history: History;
}

/** A scenario's fixture file. */
export interface HistoryFile {
  scenario: string;
  description: string;
  recordedAt: string;
  /** The @temporalio/worker version that ran the flows. */
  sdkVersion: string;
  runs: RecordedRun[];
}

interface StoredRun extends Omit<RecordedRun, 'history'> {
  history: unknown;
}

export function historyPath(scenario: string): string {
  return path.join(HISTORIES_DIR, `${scenario}.json`);
}

/** Writes a fixture: compact, one history per line, so a diff of a re-recording names the histories that changed. */
export function writeHistoryFile(file: string, data: HistoryFile): number {
  const runs = data.runs.map((r) => `    ${JSON.stringify({ ...r, history: historyToJson(r.history) })}`);
  const { runs: _runs, ...head } = data;
  const text = `${JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "runs": [\n')}${runs.join(',\n')}\n  ]\n}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return Buffer.byteLength(text);
}

export function readHistoryFile(file: string): HistoryFile {
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<HistoryFile, 'runs'> & { runs: StoredRun[] };
  return { ...stored, runs: stored.runs.map((r) => ({ ...r, history: historyFromJson(r.history) })) };
}

/** Every fixture file, by name. */
export function historyFiles(): string[] {
  if (!fs.existsSync(HISTORIES_DIR)) return [];
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(HISTORIES_DIR, f));
}

/** What the SDK's replayer takes. */
export function replayInputs(data: HistoryFile): HistoryAndWorkflowId[] {
  return data.runs.map((r) => ({ workflowId: r.workflowId, history: r.history }));
}
