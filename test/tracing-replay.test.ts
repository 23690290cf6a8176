/**
 * Turning tracing on for workers with runs in flight: every recorded history (runs made by workers
 * that did not trace) still replays against a bundle with Temporal's OpenTelemetry interceptors,
 * so the interceptors change no command a flow issues. Offline, as the replay test is.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { replayWorkerOptions } from '../src/workers/replay';
import { historyFiles, readHistoryFile, replayInputs, REPLAY_FLOWS } from './replay/history-file';

describe('replay with tracing on', { timeout: 240_000 }, () => {
  test('every recorded history replays against the traced bundle', async () => {
    // Port 9 (discard): nothing is exported while replaying, so nothing needs to listen.
    const config = loadConfig({ ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_EXPORTER: 'otlp' });
    const options = await replayWorkerOptions({ flows: REPLAY_FLOWS, config });
    assert.ok(
      options.workflowBundle && 'code' in options.workflowBundle && options.workflowBundle.code.includes('OpenTelemetryInboundInterceptor'),
      'the bundle is traced',
    );
    const failures: string[] = [];
    let replayed = 0;
    for (const file of historyFiles()) {
      const recorded = readHistoryFile(file);
      let i = 0;
      for await (const result of Worker.runReplayHistories(options, replayInputs(recorded))) {
        const run = recorded.runs[i++]!;
        replayed++;
        if (result.error) failures.push(`${path.basename(file)}: ${run.workflowType} ${run.workflowId}: ${result.error.name}: ${result.error.message}`);
      }
      assert.equal(i, recorded.runs.length, `${path.basename(file)}: every history was replayed`);
    }
    assert.ok(replayed > 0);
    if (failures.length) assert.fail(failures.join('\n'));
  });
});
