import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../src';
import { dataConverter, loadConfig } from '../src/config';
import { startServing } from '../src/serve';
import { hello } from './fixtures/flows';
import * as tasks from './fixtures/tasks';
import { eventually, testTarget, uid } from './helpers';

describe('serve()', () => {
  test('starts a worker and a deployment on an interval; stopping pauses the deployment', async () => {
    const name = uid('served');
    const serving = await startServing(hello, {
      name,
      interval: 1,
      parameters: { name: 'served' },
      tags: ['served'],
      tasks,
      target: testTarget(),
      config: loadConfig(),
    });
    try {
      assert.equal(serving.deployment.name, name);
      assert.equal(serving.deployment.paused, false);
      const runs = await eventually(async () => {
        const page = await serving.client.flowRuns.list({ deployment: name, state: 'Completed' });
        return page.flowRuns.length >= 2 ? page.flowRuns : undefined;
      }, 30_000);
      assert.equal(await serving.client.flowRuns.result(runs[0]!.id), 'hello served.');
    } finally {
      await serving.stop();
    }
    const { BatonClient } = await import('../src/client/client');
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), flows: [hello] });
    try {
      assert.equal((await client.deployments.get(name)).paused, true);
      await client.deployments.delete(name);
    } finally {
      await client.close();
    }
  });

  test('bad options are refused before anything starts', async () => {
    await assert.rejects(
      startServing(hello, { name: 'bad name!', cron: '99 * * * *', tasks, target: testTarget(), config: loadConfig() }),
      (err: unknown) => err instanceof ValidationError && /name: .*schedules\.0\.cron: minute 99 is outside 0-59/.test(err.message),
    );
  });
});
