import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ParameterValidationError } from '../src';
import { decodePayload } from '../src/client/temporal-values';
import { startWorker, uid, type TestWorker } from './helpers';

describe('parameters and run names', () => {
  let w: TestWorker;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    await w.stop();
  });

  test('a bad flow parameter is rejected naming the field, and no run exists', async () => {
    const flowRunId = uid('bad');
    await assert.rejects(w.client.flowRuns.start('call-task', { task: 'nope', args: 'x' }, { flowRunId }), (err: unknown) => {
      assert.ok(err instanceof ParameterValidationError);
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['task', 'args'],
      );
      assert.match(err.message, /task: Invalid option/);
      assert.match(err.message, /args: .*expected array/);
      return true;
    });
    await assert.rejects(w.client.temporal.workflow.getHandle(flowRunId).describe(), WorkflowNotFoundError);
  });

  test('run-name templates name flow runs and task runs, visible through Temporal', async () => {
    const handle = await w.client.flowRuns.start('named-runs', { region: 'emea', date: '2026-11-21T10:00:00Z' });
    assert.equal(handle.runName, 'report-emea-2026-11-21');
    assert.equal(await handle.result(), 'named');

    // The flow run name: a search attribute and the workflow's summary in the Web UI.
    const description = await w.client.temporal.workflow.getHandle(handle.id).describe();
    assert.deepEqual(description.searchAttributes.BatonRunName, ['report-emea-2026-11-21']);
    assert.deepEqual(description.searchAttributes.BatonFlow, ['named-runs']);
    assert.equal(decodePayload(description.raw.executionConfig?.userMetadata?.summary as never), 'report-emea-2026-11-21');
    const found = [];
    for await (const wf of w.client.temporal.workflow.list({ query: `BatonRunName = 'report-emea-2026-11-21'` })) {
      found.push(wf.workflowId);
    }
    assert.ok(found.includes(handle.id));

    // Task run names: the activity summaries in the run's history.
    const history = await w.client.temporal.workflow.getHandle(handle.id).fetchHistory();
    const summaries = (history.events ?? [])
      .filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => decodePayload(e.userMetadata?.summary as never));
    // 2026-11-21 is a Saturday.
    assert.deepEqual(summaries, ['agent-emea-on-Saturday', 'sum-2-plus-3']);
    const runs = await w.client.flowRuns.taskRuns(handle.id);
    assert.deepEqual(
      runs.map((r) => [r.name, r.runName, r.state]),
      [
        ['agent-task', 'agent-emea-on-Saturday', 'Completed'],
        ['named-by-function', 'sum-2-plus-3', 'Completed'],
      ],
    );
  });

  test('a flow without a run-name template gets a readable generated name', async () => {
    const handle = await w.client.flowRuns.start('sleepy-flow');
    assert.match(handle.runName ?? '', /^[a-z]+-[a-z]+$/);
    await w.client.flowRuns.cancel(handle.id);
  });

  test('the Temporal Web UI server lists the run by its flow and run name, with task run names in its history', async () => {
    const ui = process.env.BATON_WEB_UI_URL;
    assert.ok(ui, 'npm test exports the Web UI URL');
    const handle = await w.client.flowRuns.start('named-runs', { region: 'apac', date: '2026-11-23T10:00:00Z' });
    await handle.result();
    const query = encodeURIComponent(`BatonFlow = 'named-runs' AND BatonRunName = 'report-apac-2026-11-23'`);
    const list = (await (await fetch(`${ui}/api/v1/namespaces/default/workflows?query=${query}`)).json()) as {
      executions: { execution: { workflowId: string }; type: { name: string } }[];
    };
    assert.deepEqual(
      list.executions.map((e) => [e.execution.workflowId, e.type.name]),
      [[handle.id, 'named-runs']],
    );
    const body = (await (await fetch(`${ui}/api/v1/namespaces/default/workflows/${handle.id}/history`)).json()) as {
      history: { events: { eventType: string; userMetadata?: { summary?: { data: string } } }[] };
    };
    const summary = (e: { userMetadata?: { summary?: { data: string } } }) =>
      e.userMetadata?.summary ? JSON.parse(Buffer.from(e.userMetadata.summary.data, 'base64').toString()) : undefined;
    const events = body.history.events;
    assert.equal(summary(events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED')!), 'report-apac-2026-11-23');
    assert.deepEqual(events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED').map(summary), ['agent-apac-on-Monday', 'sum-2-plus-3']);
  });
});
