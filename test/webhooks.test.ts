/**
 * Webhooks: GitHub's X-Hub-Signature-256 checked over the raw body, the request mapped to an event
 * by the webhook's templates, and the seed's case end to end: a signed `issues.opened` delivery
 * runs a deployment with the issue's URL, once, also when GitHub delivers it again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { createApp } from '../src/api/app';
import { parseApiKeys } from '../src/api/auth';
import { ConfigError } from '../src/core/errors';
import { eventWorkflowId, type ActResult } from '../src/core/events';
import { loadWebhooks } from '../src/events/webhook-config';
import { githubSignature } from '../src/events/webhook-request';
import { Automations } from '../src/events/automations';
import { actionRunId } from './fixtures/events/ids';
import { eventually, FIXTURES, startWorker, tempDir, uid, type TestWorker } from './helpers';

const SECRET = 'test-webhook-secret-5f1c9a';
const ADMIN = 'webhooks-admin-0123456789';

const GITHUB = {
  name: 'github',
  secretEnv: 'TEST_GITHUB_WEBHOOK_SECRET',
  event: 'github.{{headers.x-github-event}}.{{body.action}}',
  id: '{{headers.x-github-delivery}}',
  resource: { id: '{{body.repository.full_name}}', sender: '{{body.sender.login}}' },
};

describe('webhooks', () => {
  let w: TestWorker;
  let server: Server;
  let base: string;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'events') });
    const webhooks = loadWebhooks({ BATON_WEBHOOKS: JSON.stringify([GITHUB]), TEST_GITHUB_WEBHOOK_SECRET: SECRET }, tempDir());
    server = createApp({ client: w.client, apiKeys: parseApiKeys(`ops:admin:${ADMIN}`), webhooks }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const c of cleanup) await c().catch(() => undefined);
    await new Promise((r) => server?.close(r));
    await w?.stop();
  });

  const deliver = async (body: string, headers: Record<string, string>) => {
    const res = await fetch(`${base}/api/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const signed = (body: string) => githubSignature(Buffer.from(SECRET), Buffer.from(body));

  test("the seed's case: a signed issues.opened delivery runs the deployment with the issue's URL, once", { timeout: 60_000 }, async () => {
    const deployment = uid('triage');
    await w.client.deployments.apply({ name: deployment, flow: 'events-record', taskQueue: w.taskQueue });
    cleanup.push(() => w.client.deployments.delete(deployment));
    const repo = `octo/${uid('repo')}`;
    const automation = uid('triage-issues');
    await new Automations(w.client).apply({
      name: automation,
      trigger: { type: 'event', match: 'github.issues.opened', resource: { id: repo } },
      actions: [{ type: 'run-deployment', deployment, parameters: { url: '{{payload.issue.html_url}}', event: '{{event}}' } }],
    });
    cleanup.push(() => new Automations(w.client).delete(automation));

    const delivery = uid('delivery');
    const url = `https://github.com/${repo}/issues/7`;
    const body = JSON.stringify({
      action: 'opened',
      issue: { number: 7, html_url: url, title: 'It breaks' },
      repository: { full_name: repo },
      sender: { login: 'ada' },
    });
    const headers = { 'x-github-event': 'issues', 'x-github-delivery': delivery, 'x-hub-signature-256': signed(body) };
    const first = await deliver(body, headers);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.deepEqual(first.body, { id: delivery, duplicate: false });
    // GitHub redelivers: the same delivery id is the same event, ignored.
    const again = await deliver(body, headers);
    assert.deepEqual(again.body, { id: delivery, duplicate: true });

    const outcome = (await w.client.temporal.workflow.getHandle(eventWorkflowId(delivery)).result()) as { matched: string[]; actions: ActResult[] };
    assert.deepEqual(outcome.matched, [automation]);
    const runId = actionRunId(deployment, automation, delivery);
    assert.equal(outcome.actions[0]!.flowRunId, runId);
    assert.deepEqual(await w.client.flowRuns.result(runId), { url, event: 'github.issues.opened' });
    const runs = await eventually(async () => {
      const page = await w.client.flowRuns.list({ deployment });
      return page.flowRuns.length ? page.flowRuns : undefined;
    });
    assert.deepEqual(
      runs.map((r) => r.id),
      [runId],
    );
    // The event as stored: resource from the templates; the secret is nowhere in its history.
    const history = JSON.stringify(await w.client.temporal.workflow.getHandle(eventWorkflowId(delivery)).fetchHistory());
    assert.ok(!history.includes(SECRET));
    const listed = await eventually(async () => {
      const res = await fetch(`${base}/api/events?resource=${encodeURIComponent(repo)}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const events = ((await res.json()) as { events: { id: string; resource: unknown }[] }).events;
      return events.length ? events : undefined;
    });
    assert.deepEqual(listed[0]!.resource, { id: repo, sender: 'ada' });

    // A push has no action: the empty segment is dropped.
    const push = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: repo } });
    const pushed = await deliver(push, { 'x-github-event': 'push', 'x-github-delivery': uid('push'), 'x-hub-signature-256': signed(push) });
    assert.equal(pushed.status, 202);
    assert.deepEqual(((await w.client.temporal.workflow.getHandle(eventWorkflowId(pushed.body.id)).result()) as { matched: string[] }).matched, []);
  });

  test('a missing or wrong signature is a 401 that stores nothing; an unknown webhook 404; a body that is not JSON 400', { timeout: 30_000 }, async () => {
    const body = JSON.stringify({ action: 'opened', repository: { full_name: 'octo/x' } });
    for (const signature of [undefined, signed(body + ' '), signed(body).replace(/.$/, (c) => (c === '0' ? '1' : '0')), 'sha256=', 'garbage']) {
      const delivery = uid('forged');
      const res = await deliver(body, { 'x-github-event': 'issues', 'x-github-delivery': delivery, ...(signature ? { 'x-hub-signature-256': signature } : {}) });
      assert.equal(res.status, 401, String(signature));
      assert.equal(res.body.error.code, 'BAD_SIGNATURE');
      assert.match(
        res.body.error.message,
        signature ? /webhook 'github': the X-Hub-Signature-256 signature does not match the body/ : /has no X-Hub-Signature-256 header/,
      );
      await assert.rejects(w.client.temporal.workflow.getHandle(eventWorkflowId(delivery)).describe(), WorkflowNotFoundError, 'nothing was stored');
    }
    const unknown = await fetch(`${base}/api/webhooks/gitlab`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(unknown.status, 404);
    const notJson = 'a=b';
    const res = await deliver(notJson, { 'x-github-event': 'issues', 'x-hub-signature-256': signed(notJson) });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /must be JSON/);
    const get = await fetch(`${base}/api/webhooks/github`);
    assert.equal(get.status, 405);
  });

  test('declarations are checked at start: each mistake names the webhook and the field', { timeout: 10_000 }, () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'baton.yaml'),
      'webhooks:\n  - name: from-file\n    secretEnv: FILE_SECRET\n    event: "file.{{body.kind}}"\n  - name: broken\n    secretEnv: "not a variable"\n',
    );
    const env = { BATON_WEBHOOKS: JSON.stringify([GITHUB, { ...GITHUB, name: 'second', event: undefined }]), FILE_SECRET: 'x' };
    assert.throws(
      () => loadWebhooks(env, dir),
      (err: ConfigError) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.issues.map((i) => i.path),
          [
            'baton.yaml webhooks[1] (broken).secretEnv',
            'baton.yaml webhooks[1] (broken).event',
            'BATON_WEBHOOKS[0] (github).secretEnv',
            'BATON_WEBHOOKS[1] (second).event',
          ],
        );
        assert.match(err.issues[2]!.message, /TEST_GITHUB_WEBHOOK_SECRET is not set/);
        return true;
      },
    );
    const good = tempDir();
    fs.writeFileSync(path.join(good, 'baton.yaml'), 'webhooks:\n  - name: from-file\n    secretEnv: FILE_SECRET\n    event: "file.{{body.kind}}"\n');
    const loaded = loadWebhooks({ FILE_SECRET: 'file-secret' }, good);
    assert.deepEqual(
      loaded.map((h) => [h.name, h.signature, h.secret.toString()]),
      [['from-file', 'github-sha256', 'file-secret']],
    );
    assert.deepEqual(loadWebhooks({}, tempDir()), [], 'nothing declared');
    assert.throws(() => loadWebhooks({ BATON_WEBHOOKS: '{nope' }, tempDir()), /BATON_WEBHOOKS: must be JSON/);
  });
});
