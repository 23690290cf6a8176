/**
 * Replay: the recorded histories of representative runs (test/fixtures/histories, made by
 * `npm run record-histories` from the flows in test/fixtures/replay) are replayed against the
 * current code, with the flow bundle and options a worker runs. A change to Baton's flow runtime
 * that would break runs already in flight fails here, naming the history and the determinism
 * error. Replay is offline: these tests use no Temporal server.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { replayWorkerOptions } from '../src/workers/replay';
import { historyFiles, historyPath, readHistoryFile, replayInputs, REPLAY_FLOWS } from './replay/history-file';
import { SCENARIOS } from './replay/scenarios';

/** Building the flow bundle from scratch takes about 10 s on a 2-core machine. */
const BUNDLE_TIMEOUT_MS = 120_000;
/** Replaying one scenario's histories (the sharded map's are the largest) takes a few seconds. */
const REPLAY_TIMEOUT_MS = 60_000;

describe('replay: recorded histories replay against the current code', () => {
  let options: ReplayWorkerOptions;
  before(
    async () => {
      options = await replayWorkerOptions({ flows: REPLAY_FLOWS, config: loadConfig() });
    },
    { timeout: BUNDLE_TIMEOUT_MS },
  );

  test('every scenario has a recorded history', () => {
    const missing = SCENARIOS.filter((s) => !historyFiles().includes(historyPath(s.name))).map((s) => s.name);
    assert.deepEqual(missing, [], `record them with: npm run record-histories -- ${missing.join(' ')}`);
  });

  for (const file of historyFiles()) {
    const name = path.basename(file, '.json');
    test(`replays ${name}`, { timeout: REPLAY_TIMEOUT_MS }, async () => {
      const recorded = readHistoryFile(file);
      // The fixture still shows what its scenario claims to cover (files kept under other names are old recordings).
      const scenario = SCENARIOS.find((s) => historyPath(s.name) === file);
      if (scenario) assert.deepEqual(scenario.check(recorded.runs), [], `${name}: the recorded histories no longer cover the scenario; re-record it`);

      const failures: string[] = [];
      let replayed = 0;
      // The replayer takes histories one at a time, in order: result i belongs to run i.
      for await (const result of Worker.runReplayHistories(options, replayInputs(recorded))) {
        const run = recorded.runs[replayed++]!;
        if (result.error) {
          failures.push(`${name}: ${run.workflowType} ${run.workflowId} (run ${run.runId}) no longer replays: ${result.error.name}: ${result.error.message}`);
        }
      }
      assert.equal(replayed, recorded.runs.length, `${name}: every history was replayed`);
      if (failures.length) assert.fail(failures.join('\n'));
    });
  }
});
