import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { eventually, startWorker, type TestWorker } from './helpers';

describe('logging', () => {
  const lines: Record<string, unknown>[] = [];
  let w: TestWorker;
  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    w = await startWorker({ logger: pino({ level: 'info' }, sink) });
  });
  after(async () => {
    await w.stop();
  });

  test('task and flow log lines carry the flow run id, task run id, task name and attempt', async () => {
    const handle = await w.client.flowRuns.start('logging-flow');
    assert.equal(await handle.result(), 'pelican');
    const forRun = lines.filter((l) => l.flowRunId === handle.id);

    const contextLine = forRun.find((l) => l.msg === 'context logger line');
    assert.ok(contextLine, 'the run context logger wrote a line');
    assert.equal(contextLine.taskName, 'chatty');
    // The same id the task-run listing gives it (activity ids count every activity the run schedules).
    const [taskRun] = (await w.client.flowRuns.taskRuns(handle.id)).filter((r) => r.name === 'chatty');
    assert.equal(contextLine.taskRunId, taskRun!.id);
    assert.match(contextLine.taskRunId, new RegExp(`^${handle.id}:\\d+$`));
    assert.equal(contextLine.attempt, 1);
    assert.equal(contextLine.word, 'pelican');

    const printed = forRun.find((l) => l.msg === 'printed pelican');
    assert.ok(printed, 'logPrints sent console.log to the logger');
    assert.equal(printed.taskName, 'chatty');
    assert.equal(printed.print, true);

    // Flow log lines leave the sandbox through a sink after the workflow task completes.
    const flowLine = await eventually(() => lines.find((l) => l.flowRunId === handle.id && l.msg === 'flow says hello'), 5_000);
    assert.equal(flowLine.flowName, 'logging-flow');
    assert.equal(flowLine.from, 'flow');
  });
});
