/**
 * Exactly once under load: 1,000 events sent in a burst through the API, one in twenty matching an
 * automation that runs a deployment, while the worker process running the event workflows is
 * killed with SIGKILL mid-burst and another started. Every matching event starts exactly one flow
 * run (its id derived from the automation and the event), none twice, none lost.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createApp } from '../src/api/app';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { eventWorkflowId, type ActResult } from '../src/core/events';
import { Automations } from '../src/events/automations';
import { recordEvent } from './fixtures/events/flows';
import { actionRunId } from './fixtures/events/ids';
import { eventually, FIXTURES, ROOT, testTarget, uid } from './helpers';

const EVENTS = 1_000;
const EVERY = 20;
const CONCURRENCY = 16;

function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', path.join(FIXTURES, 'events'), '--task-queue', taskQueue], {
    cwd: ROOT,
    env: { ...process.env, BATON_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

describe('events under load', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  test(`${EVENTS} events in a burst, a worker killed with SIGKILL mid-burst: every matching event fires exactly once`, { timeout: 300_000 }, async () => {
    const taskQueue = uid('load');
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue, flows: [recordEvent] });
    const server: Server = createApp({ client, webhooks: [] }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const deployment = uid('load-dep');
    const automation = uid('load-auto');
    const prefix = `load.${uid('burst')}`;
    const automations = new Automations(client);
    try {
      const first = spawnWorker(taskQueue);
      children.push(first);
      await client.deployments.apply({ name: deployment, flow: 'events-record', taskQueue });
      await automations.apply({
        name: automation,
        trigger: { type: 'event', match: `${prefix}.hit` },
        actions: [{ type: 'run-deployment', deployment, parameters: { eventId: '{{id}}', url: '{{payload.url}}' } }],
      });

      const started = Date.now();
      const ids = Array.from({ length: EVENTS }, (_, i) => `${prefix}.${i}`);
      const hits = ids.filter((_, i) => i % EVERY === 0);
      let sent = 0;
      let killedAt: number | undefined;
      let completedAtKill = 0;
      const kill = async () => {
        killedAt = sent;
        completedAtKill = (
          await client.temporal.workflow.count(`WorkflowType = 'baton.event' AND BatonEvent IN ('${prefix}.hit', '${prefix}.miss') AND ExecutionStatus = 'Completed'`)
        ).count;
        first.kill('SIGKILL');
        await exited(first);
        children.push(spawnWorker(taskQueue));
      };
      let next = 0;
      const sender = async () => {
        while (next < ids.length) {
          const i = next++;
          const body = { id: ids[i], event: i % EVERY === 0 ? `${prefix}.hit` : `${prefix}.miss`, payload: { url: `https://example.test/${i}` } };
          const r = await fetch(`${base}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          assert.equal(r.status, 202, await r.text());
          sent += 1;
          if (sent === Math.floor(EVENTS * 0.4) && killedAt === undefined) await kill();
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, sender));
      const sentMs = Date.now() - started;

      // Every event workflow completes (the second worker finishes what the first left).
      await eventually(async () => {
        const { count } = await client.temporal.workflow.count(
          `WorkflowType = 'baton.event' AND BatonEvent IN ('${prefix}.hit', '${prefix}.miss') AND ExecutionStatus = 'Completed'`,
        );
        return count === EVENTS ? true : undefined;
      }, 240_000);
      const doneMs = Date.now() - started;
      assert.ok(completedAtKill < (killedAt ?? 0), `the kill came while events were still being handled (${completedAtKill} of ${killedAt} done)`);

      // Exactly the hits' runs exist, each with the action's derived id, each started once.
      const runs: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.flowRuns.list({ deployment, pageSize: 500, pageToken });
        runs.push(...page.flowRuns.map((r) => r.id));
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      const expected = hits.map((id) => actionRunId(deployment, automation, id)).sort();
      assert.deepEqual(runs.sort(), expected);
      for (const id of hits) {
        const outcome = (await client.temporal.workflow.getHandle(eventWorkflowId(id)).result()) as { matched: string[]; actions: ActResult[] };
        assert.deepEqual(outcome.matched, [automation]);
        assert.equal(outcome.actions[0]!.flowRunId, actionRunId(deployment, automation, id));
        assert.equal(((await client.flowRuns.result(outcome.actions[0]!.flowRunId!)) as { eventId: string }).eventId, id);
      }
      const runsMs = Date.now() - started;
      console.log(
        `# ${EVENTS} events (${hits.length} matching) sent in ${(sentMs / 1000).toFixed(1)} s, all handled in ${(doneMs / 1000).toFixed(1)} s, runs checked at ${(runsMs / 1000).toFixed(1)} s; worker killed after ${killedAt} sent (${completedAtKill} handled)`,
      );
    } finally {
      await automations.delete(automation).catch(() => undefined);
      await client.deployments.delete(deployment).catch(() => undefined);
      await new Promise((r) => server.close(r));
      await client.close();
    }
  });
});
