import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { STATES, type State } from '../src';
import { eventually, startWorker, uid, type TestWorker } from './helpers';

// One function derives a run's state for single reads and for lists: a run reads the same state in
// GET and in the list, and a list filtered by a state holds exactly the runs in that state.
describe('flow run states: the list agrees with a single read, for every state', { timeout: 240_000 }, () => {
  let w: TestWorker;
  const cleanup: string[] = [];
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    for (const id of cleanup) {
      await w.client.temporal.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
    await w.stop();
  });

  const start = async (mode: string, options: { taskQueue?: string; startDelaySeconds?: number } = {}) => {
    const handle = await w.client.flowRuns.start('state-tour', { mode }, { flowRunId: uid(`state-${mode}`), ...options });
    cleanup.push(handle.id);
    return handle.id;
  };
  const stateOf = async (id: string) => (await w.client.flowRuns.get(id)).state;
  const reaches = (id: string, state: State) =>
    eventually(async () => ((await stateOf(id)) === state ? true : undefined), 30_000).catch(async () => {
      throw new Error(`run ${id} did not reach ${state}: it reads ${await stateOf(id)}`);
    });

  /** Lists every state (filtered to the state-tour flow) and checks the run is in exactly the one it reads. */
  async function listedExactlyAs(id: string, expected: State): Promise<void> {
    await eventually(async () => {
      const found: State[] = [];
      for (const state of STATES) {
        const page = await w.client.flowRuns.list({ flow: 'state-tour', state, pageSize: 1000 });
        const run = page.flowRuns.find((r) => r.id === id);
        if (run) {
          assert.equal(run.state, state, `a run listed under ${state} must read ${state}`);
          found.push(state);
        }
      }
      return found.length === 1 && found[0] === expected ? true : undefined;
    }, 20_000).catch(async () => {
      const found = [];
      for (const state of STATES) {
        if ((await w.client.flowRuns.list({ flow: 'state-tour', state, pageSize: 1000 })).flowRuns.some((r) => r.id === id)) found.push(state);
      }
      throw new Error(`run ${id} reads ${expected} but is listed under [${found.join(', ')}]`);
    });
    assert.equal(await stateOf(id), expected, 'still reads the same state in a single read');
  }

  const seen = new Set<State>();
  const check = async (id: string, state: State) => {
    await reaches(id, state);
    await listedExactlyAs(id, state);
    seen.add(state);
  };

  test('Scheduled: a run due later', async () => {
    await check(await start('pause', { startDelaySeconds: 3600 }), 'Scheduled');
  });

  test('Pending: a run no worker has picked up', async () => {
    await check(await start('pause', { taskQueue: uid('no-worker') }), 'Pending');
  });

  test('Running, then Completed', async () => {
    const handle = await w.client.flowRuns.start('map-sleepers', { durations: [6_000] });
    cleanup.push(handle.id);
    await reaches(handle.id, 'Running');
    // Listed as Running too, once visibility has the state (the run goes on for 6 s).
    await eventually(
      async () => (await w.client.flowRuns.list({ flow: 'map-sleepers', state: 'Running', pageSize: 1000 })).flowRuns.some((r) => r.id === handle.id) || undefined,
    );
    seen.add('Running');
    await handle.result();
    await eventually(async () =>
      (await w.client.flowRuns.list({ flow: 'map-sleepers', state: 'Completed', pageSize: 1000 })).flowRuns.some((r) => r.id === handle.id) ? true : undefined,
    );
    assert.equal(await stateOf(handle.id), 'Completed');
    const id = await start('approve');
    await reaches(id, 'AwaitingApproval');
    await w.client.approvals.decide(id, 'ok', { decision: 'approve' }, 'tester');
    await check(id, 'Completed');
  });

  test('Retrying: the second attempt of a flow with retries', async () => {
    await check(await start('fail-once'), 'Retrying');
  });

  test('Paused and AwaitingApproval', async () => {
    await check(await start('pause'), 'Paused');
    await check(await start('approve'), 'AwaitingApproval');
  });

  test('Cancelling while cleanup runs, then Cancelled', async () => {
    const id = await start('cancel');
    await reaches(id, 'Paused');
    await w.client.flowRuns.cancel(id);
    await check(id, 'Cancelling');
    await w.client.flowRuns.resume(id, { key: 'cleanup' });
    await check(id, 'Cancelled');
  });

  test('Failed, TimedOut (an unanswered approval) and Crashed', async () => {
    await check(await start('fail'), 'Failed');
    await check(await start('wait-timeout'), 'TimedOut');
    const id = await start('pause');
    await reaches(id, 'Paused');
    await w.client.temporal.workflow.getHandle(id).terminate('crash');
    await check(id, 'Crashed');
  });

  test('Failed: a flow whose last attempt fails too reads Failed, not Retrying', async () => {
    await check(await start('fail-always'), 'Failed');
  });

  test('Cached is never a flow run state; every other state was checked', async () => {
    const cached = await w.client.flowRuns.list({ flow: 'state-tour', state: 'Cached', pageSize: 1000 });
    assert.deepEqual(cached.flowRuns, []);
    assert.deepEqual(
      STATES.filter((s) => !seen.has(s) && s !== 'Cached'),
      [],
    );
  });
});
