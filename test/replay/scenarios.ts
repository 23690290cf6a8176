/**
 * The replay scenarios: how each fixture flow (test/fixtures/replay) is driven to completion
 * through BatonClient when recording, and what its recorded histories must show for the scenario
 * to cover what it claims (checked when recording and again by the replay test).
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { BatonClient } from '../../src/client/client';
import { ARTIFACTS_SIGNAL } from '../../src/core/artifacts';
import { ARTIFACT_KEYS } from '../../src/core/search-attributes';
import { DECIDE_UPDATE, PAUSE_SIGNAL, RESUME_SIGNAL } from '../../src/core/human';
import { MAP_SHARD_WORKFLOW } from '../../src/core/map-shard';
import type { RecordedRun } from './history-file';

type Event = temporal.api.history.v1.IHistoryEvent;
const E = temporal.api.enums.v1.EventType;

export interface ScenarioContext {
  client: BatonClient;
  /** A fresh folder for this scenario's files. */
  dir: string;
}

/** A workflow execution a scenario made; its children are found from its history. */
export interface Execution {
  workflowId: string;
  runId?: string;
}

export interface Scenario {
  name: string;
  description: string;
  /** Runs the scenario to its end; returns the executions to record (children are added). */
  drive(ctx: ScenarioContext): Promise<Execution[]>;
  /** What the histories must show; returns the problems found. */
  check(runs: RecordedRun[]): string[];
}

const events = (run: RecordedRun): Event[] => run.history.events ?? [];
const count = (run: RecordedRun, type: temporal.api.enums.v1.EventType) => events(run).filter((e) => e.eventType === type).length;
const scheduled = (run: RecordedRun, activityType: string) =>
  events(run).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).length;
const childTypes = (run: RecordedRun) =>
  events(run).flatMap((e) => {
    const name = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name;
    return name ? [name] : [];
  });
const signals = (run: RecordedRun) =>
  events(run).flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
const summaries = (run: RecordedRun) =>
  events(run).flatMap((e) => {
    const data = e.userMetadata?.summary?.data;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as unknown] : [];
  });
const last = (run: RecordedRun) => events(run).at(-1)?.eventType;
const completed = (run: RecordedRun) => last(run) === E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED;

function expect(problems: string[], ok: boolean, problem: string): void {
  if (!ok) problems.push(problem);
}

/** The scenario's top-level run (the first recorded), and the runs of one workflow type. */
const main = (runs: RecordedRun[]) => runs[0]!;
const ofType = (runs: RecordedRun[], type: string) => runs.filter((r) => r.workflowType === type);

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stateIs = (client: BatonClient, id: string, state: string) => async () => (await client.flowRuns.get(id)).state === state;

/** Starts a flow run with a fixed id (the server is fresh for each recording) and waits for it to end. */
async function runToEnd(ctx: ScenarioContext, flow: string, params: unknown, id: string): Promise<Execution[]> {
  const handle = await ctx.client.flowRuns.start(flow, params, { flowRunId: id });
  await handle.result().catch(() => undefined);
  return [{ workflowId: id }];
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'small-map',
    description: 'a .map() of 8 items with concurrency 3',
    drive: (ctx) => runToEnd(ctx, 'replay-small-map', { items: [1, 2, 3, 4, 5, 6, 7, 8] }, 'replay-small-map'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, scheduled(main(runs), 'replay-double') === 8, '8 task runs were scheduled');
      return p;
    },
  },
  {
    name: 'sharded-map',
    description: `a .map() of 1,200 items with shardSize 400: three ${MAP_SHARD_WORKFLOW} child workflows`,
    drive: (ctx) => runToEnd(ctx, 'replay-sharded-map', { count: 1200, shardSize: 400 }, 'replay-sharded-map'),
    check(runs) {
      const p: string[] = [];
      const shards = ofType(runs, MAP_SHARD_WORKFLOW);
      expect(p, completed(main(runs)), 'the flow run completed');
      expect(p, childTypes(main(runs)).filter((t) => t === MAP_SHARD_WORKFLOW).length === 3, 'the flow started 3 shards');
      expect(p, shards.length === 3 && shards.every(completed), 'the 3 shards were recorded and completed');
      expect(
        p,
        shards.every((s) => scheduled(s, 'replay-inc') === 400),
        'each shard scheduled 400 task runs',
      );
      return p;
    },
  },
  {
    name: 'subflows',
    description: 'a subflow called directly and one submitted',
    drive: (ctx) => runToEnd(ctx, 'replay-parent', { n: 5 }, 'replay-parent'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the parent completed');
      expect(p, childTypes(main(runs)).filter((t) => t === 'replay-child').length === 2, 'the parent started 2 subflows');
      expect(p, ofType(runs, 'replay-child').length === 2 && ofType(runs, 'replay-child').every(completed), 'both subflows were recorded and completed');
      return p;
    },
  },
  {
    name: 'outside-pause',
    description: 'paused from outside while a task runs, then resumed',
    async drive(ctx) {
      const id = 'replay-outside-pause';
      const handle = await ctx.client.flowRuns.start('replay-steps', { ms: 1500 }, { flowRunId: id });
      await until('the first step runs', async () => (await ctx.client.flowRuns.taskRuns(id)).some((t) => t.state === 'Running'));
      await ctx.client.flowRuns.pause(id, 'recorder');
      await until('the run reads Paused', stateIs(ctx.client, id, 'Paused'));
      // The running step ends while the run is paused; nothing new starts until the resume.
      await until('the first step ends', async () => (await ctx.client.flowRuns.taskRuns(id)).some((t) => t.state === 'Completed'));
      await ctx.client.flowRuns.resume(id, { by: 'recorder' });
      await handle.result();
      return [{ workflowId: id }];
    },
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, signals(main(runs)).join() === [PAUSE_SIGNAL, RESUME_SIGNAL].join(), 'a pause then a resume signal');
      expect(p, scheduled(main(runs), 'replay-hold') === 3, '3 steps were scheduled');
      return p;
    },
  },
  {
    name: 'keyed-pause',
    description: "pause({ key: 'review' }) resumed by key, then a pause that times out to its default",
    async drive(ctx) {
      const id = 'replay-keyed-pause';
      const handle = await ctx.client.flowRuns.start('replay-keyed-pause', {}, { flowRunId: id });
      await until('the run reads Paused', stateIs(ctx.client, id, 'Paused'));
      await ctx.client.flowRuns.resume(id, { key: 'review', by: 'recorder' });
      await handle.result();
      return [{ workflowId: id }];
    },
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, signals(main(runs)).join() === RESUME_SIGNAL, 'one resume signal');
      expect(p, count(main(runs), E.EVENT_TYPE_TIMER_FIRED) === 1, "the timed pause's timer fired");
      return p;
    },
  },
  {
    name: 'approval',
    description: 'an approval with typed zod input (a default filled in), decided through the client',
    async drive(ctx) {
      const id = 'replay-approval';
      const handle = await ctx.client.flowRuns.start('replay-approval', { release: 'v2' }, { flowRunId: id });
      await until('the run awaits approval', stateIs(ctx.client, id, 'AwaitingApproval'));
      await ctx.client.approvals.decide(id, 'ship', { decision: 'approve', input: { reviewer: 'ada' }, comment: 'ship it' }, 'recorder');
      await handle.result();
      return [{ workflowId: id }];
    },
    check(runs) {
      const p: string[] = [];
      const accepted = events(main(runs)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === DECIDE_UPDATE);
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, accepted.length === 1 && count(main(runs), E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) === 1, 'one decision update, accepted and completed');
      expect(p, scheduled(main(runs), 'replay-greet') === 1, 'the task after the approval ran');
      return p;
    },
  },
  {
    name: 'cache-hit',
    description: 'a caching task called twice in one run: the second call is a hit',
    drive: (ctx) => runToEnd(ctx, 'replay-cache-hit', { n: 7 }, 'replay-cache-hit'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, scheduled(main(runs), 'replay-cached-square') === 1, 'the task ran once');
      expect(p, summaries(main(runs)).includes('replay-cached-square · Cached'), 'a Cached marker');
      return p;
    },
  },
  {
    name: 'task-retries',
    description: 'a task that fails once and succeeds on its retry (retryDelaySeconds 0.5)',
    drive: (ctx) => runToEnd(ctx, 'replay-task-retries', {}, 'replay-task-retries'),
    check(runs) {
      const p: string[] = [];
      const attempts = events(main(runs)).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, attempts.join() === '2', `the task completed on attempt 2 (started attempts: ${attempts.join()})`);
      return p;
    },
  },
  {
    name: 'resume-from-failure',
    description: "a run whose second task failed, resumed with retry(id, { mode: 'from-failure' }) (both runs recorded)",
    async drive(ctx) {
      const id = 'replay-resume-from-failure';
      const handle = await ctx.client.flowRuns.start('replay-resumable', { dir: ctx.dir }, { flowRunId: id });
      await handle.result().then(
        () => Promise.reject(new Error('the first run should fail')),
        () => undefined,
      );
      const failed = await ctx.client.flowRuns.get(id);
      fs.writeFileSync(path.join(ctx.dir, 'fixed'), 'yes');
      await ctx.client.flowRuns.retry(id, { mode: 'from-failure' });
      await ctx.client.flowRuns.result(id);
      const resumed = await ctx.client.flowRuns.get(id);
      return [
        { workflowId: id, runId: failed.temporalRunId },
        { workflowId: id, runId: resumed.temporalRunId },
      ];
    },
    check(runs) {
      const p: string[] = [];
      const [failed, resumed] = runs;
      expect(p, runs.length === 2, 'two runs recorded');
      if (!failed || !resumed) return p;
      expect(p, last(failed) === E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 'the first run failed');
      expect(p, completed(resumed), 'the resumed run completed');
      expect(
        p,
        events(resumed).some(
          (e) => e.workflowTaskFailedEventAttributes?.cause === temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
        ),
        'the resumed run starts from a reset',
      );
      expect(p, scheduled(resumed, 'replay-double') === 2 && scheduled(resumed, 'replay-fixable') === 1, 'the resumed run kept step 1 and ran steps 2 and 3');
      return p;
    },
  },
  {
    name: 'timeout-in-time',
    description: 'a flow with timeoutSeconds 2 whose body ends in time (its timer is cancelled)',
    drive: (ctx) => runToEnd(ctx, 'replay-timed', { sleepSeconds: 0.2 }, 'replay-timeout-in-time'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, count(main(runs), E.EVENT_TYPE_TIMER_CANCELED) === 1, 'the flow timeout timer was cancelled');
      return p;
    },
  },
  {
    name: 'timeout-expired',
    description: 'a flow with timeoutSeconds 2 whose body sleeps 10 s: it fails with FlowTimeoutError',
    drive: (ctx) => runToEnd(ctx, 'replay-timed', { sleepSeconds: 10 }, 'replay-timeout-expired'),
    check(runs) {
      const p: string[] = [];
      const failure = events(main(runs)).at(-1)?.workflowExecutionFailedEventAttributes?.failure;
      expect(p, failure?.applicationFailureInfo?.type === 'FlowTimeoutError', `the run failed with FlowTimeoutError (got ${failure?.applicationFailureInfo?.type})`);
      return p;
    },
  },
  {
    name: 'sleep',
    description: 'sleep(0) and sleep(1) from baton/workflows around a task',
    drive: (ctx) => runToEnd(ctx, 'replay-sleep', {}, 'replay-sleep'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, count(main(runs), E.EVENT_TYPE_TIMER_FIRED) >= 1, 'a timer fired');
      return p;
    },
  },
  {
    name: 'artifacts',
    description: 'artifacts from a task (signals to the run) and from the flow (its key upserted as BatonArtifactKeys)',
    drive: (ctx) => runToEnd(ctx, 'replay-artifacts', {}, 'replay-artifacts'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, signals(main(runs)).filter((s) => s === ARTIFACTS_SIGNAL).length === 3, 'three artifact signals (two creates, one update)');
      expect(
        p,
        events(main(runs)).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[ARTIFACT_KEYS.name]).length === 2,
        'two upserts of BatonArtifactKeys (the task’s key, then the flow’s)',
      );
      return p;
    },
  },
  {
    name: 'parameter-defaults',
    description: 'zod parameters with defaults (a date among them) filled in at the edge',
    drive: (ctx) => runToEnd(ctx, 'replay-defaults', { name: 'ada' }, 'replay-parameter-defaults'),
    check(runs) {
      const p: string[] = [];
      expect(p, completed(main(runs)), 'the run completed');
      expect(p, scheduled(main(runs), 'replay-greet') === 2, 'the default times (2) was used');
      return p;
    },
  },
];
