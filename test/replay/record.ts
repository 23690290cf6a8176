/**
 * `npm run record-histories [-- <scenario>... | --all]`: records the histories the replay test
 * replays. Starts a Temporal dev server as `npm test` does (fresh SQLite file, free loopback
 * ports) and a worker on the replay fixture module, drives each scenario to its end through
 * BatonClient, and writes every workflow execution it made (the flow run, its subflows and map
 * shards, each run of a reset run) to test/fixtures/histories/<scenario>.json.
 *
 * With no arguments only scenarios without a fixture are recorded: existing fixtures are the
 * runs already in flight that the current code must still replay, and are kept. The scenarios
 * provoke failures on purpose, so worker logs are off unless BATON_LOG_LEVEL says otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import workerPackage from '@temporalio/worker/package.json';
import { BatonClient } from '../../src/client/client';
import { dataConverter, loadConfig } from '../../src/config';
import { freePort, startDevServer } from '../../src/server/temporal-server';
import { createWorker } from '../../src/workers/worker';
import { historyPath, REPLAY_FLOWS, writeHistoryFile, type RecordedRun } from './history-file';
import { SCENARIOS, type Execution, type Scenario } from './scenarios';

/** A scenario that takes longer than this is stuck. */
const SCENARIO_TIMEOUT_MS = 180_000;
const SDK_VERSION = workerPackage.version;

function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** The executions' histories, then their children's (subflows, map shards) and continued runs, depth first. */
async function collect(client: BatonClient, executions: Execution[]): Promise<RecordedRun[]> {
  const runs: RecordedRun[] = [];
  const seen = new Set<string>();
  const visit = async ({ workflowId, runId }: Execution): Promise<void> => {
    const handle = client.temporal.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    const resolvedRunId = runId ?? (await handle.describe()).runId;
    if (seen.has(resolvedRunId)) return;
    seen.add(resolvedRunId);
    const events = history.events ?? [];
    const workflowType = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
    runs.push({ workflowId, runId: resolvedRunId, workflowType, history });
    for (const e of events) {
      const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId && child.runId) await visit({ workflowId: child.workflowId, runId: child.runId });
      const next = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) await visit({ workflowId, runId: next });
    }
  };
  for (const execution of executions) await visit(execution);
  return runs;
}

function selected(args: string[]): Scenario[] {
  const unknown = args.filter((a) => a !== '--all' && !SCENARIOS.some((s) => s.name === a));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  if (args.includes('--all')) return SCENARIOS;
  if (args.length) return SCENARIOS.filter((s) => args.includes(s.name));
  return SCENARIOS.filter((s) => !fs.existsSync(historyPath(s.name)));
}

async function main(): Promise<number> {
  let scenarios: Scenario[];
  try {
    scenarios = selected(process.argv.slice(2));
  } catch (err) {
    console.error(`record-histories: ${(err as Error).message}`);
    return 2;
  }
  if (scenarios.length === 0) {
    console.log('every scenario has a recorded history; name scenarios (or --all) to record them again');
    return 0;
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-record-'));
  const config = loadConfig({ ...process.env, BATON_HOME: home, BATON_LOG_LEVEL: process.env.BATON_LOG_LEVEL ?? 'fatal' });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort(), log: (l) => console.log(`# ${l}`) });
  const taskQueue = 'baton-replay-record';
  const worker = await createWorker({ flows: REPLAY_FLOWS, target, config, taskQueue });
  const running = worker.run();
  const client = await BatonClient.connect({ target, taskQueue, flows: worker.module.flows, dataConverter: dataConverter(config) });
  let failures = 0;
  try {
    for (const scenario of scenarios) {
      const started = Date.now();
      try {
        const dir = fs.mkdtempSync(path.join(home, `${scenario.name}-`));
        const executions = await withTimeout(scenario.name, SCENARIO_TIMEOUT_MS, scenario.drive({ client, dir }));
        const runs = await collect(client, executions);
        const problems = scenario.check(runs);
        if (problems.length) throw new Error(`its histories do not show: ${problems.join('; ')}`);
        const bytes = writeHistoryFile(historyPath(scenario.name), {
          scenario: scenario.name,
          description: scenario.description,
          recordedAt: new Date().toISOString(),
          sdkVersion: SDK_VERSION,
          runs,
        });
        const events = runs.reduce((n, r) => n + (r.history.events?.length ?? 0), 0);
        console.log(`recorded ${scenario.name}: ${runs.length} histories, ${events} events, ${Math.round(bytes / 1024)} KiB, ${Date.now() - started} ms`);
      } catch (err) {
        failures++;
        console.error(`could not record ${scenario.name}: ${(err as Error).message}`);
      }
    }
  } finally {
    await worker.shutdown();
    await running.catch(() => undefined);
    await client.close();
    await target.devServer?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
