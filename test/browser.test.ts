/**
 * In a real browser (Debian's Chromium driven by playwright-core): the approvals page approves a
 * real run end to end, and the Temporal Web UI lists a Baton run by its name with its tasks named.
 * Screenshots are saved under test-artifacts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, ROOT, startWorker, uid, type TestWorker } from './helpers';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('in a real browser', () => {
  let w: TestWorker;
  let api: TestApi;
  let browser: Browser;
  before(
    async () => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      assert.ok(
        fs.existsSync(CHROMIUM),
        `Chromium not found at ${CHROMIUM}: run these tests with \`npm test\`, which installs Debian's chromium when missing (or set BATON_CHROMIUM)`,
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
      w = await startWorker();
      api = await startTestApi(w.client);
    },
    { timeout: 180_000 },
  );
  after(async () => {
    await browser?.close();
    await api?.close();
    await w?.stop();
  });

  test('the approvals page shows what a run asks, refuses bad input by field, and approves it', { timeout: 120_000 }, async () => {
    const name = uid('page');
    await api.call('POST', '/api/deployments', { name, flow: 'approval-flow', taskQueue: w.taskQueue });
    const run = await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { release: 'browser' } });
    const id = run.body.id as string;
    await eventually(async () => ((await api.call('GET', `/api/flow-runs/${id}`)).body.state === 'AwaitingApproval' ? true : undefined));

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${api.base}/approvals`);
    const card = page.locator(`section.card[data-run="${id}"]`);
    await card.waitFor();
    assert.match(await card.innerText(), /Ship release browser to production\?/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'approvals-pending.png'), fullPage: true });

    // Bad input: the API's field errors appear next to the fields, and the run still waits.
    await card.locator('input[name="reviewer"]').fill('grace');
    await card.locator('input[name="priority"]').fill('9');
    await card.locator('button.approve').click();
    await card.locator('[data-field="input.priority"]', { hasText: /5/ }).waitFor();
    assert.equal((await api.call('GET', `/api/flow-runs/${id}`)).body.state, 'AwaitingApproval');
    await page.screenshot({ path: path.join(ARTIFACTS, 'approvals-invalid.png'), fullPage: true });

    await card.locator('input[name="priority"]').fill('3');
    await card.locator('textarea[name="comment"]').fill('ship it from the browser');
    await card.locator('button.approve').click();
    await card.locator('.status', { hasText: 'Approved by local' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'approvals-approved.png'), fullPage: true });

    const result = (await w.client.flowRuns.result(id)) as { shipped: boolean; answer: { input: unknown; comment: string } };
    assert.equal(result.shipped, true);
    assert.deepEqual(result.answer.input, { reviewer: 'grace', priority: 3 });
    assert.equal(result.answer.comment, 'ship it from the browser');
    await page.close();
  });

  test('the Temporal Web UI lists a Baton run by its run name, with its tasks named in the history', { timeout: 120_000 }, async () => {
    const handle = await w.client.flowRuns.start('named-runs', { region: uid('ui'), date: '2026-11-21T10:00:00Z' });
    await handle.result();
    const ui = process.env.BATON_WEB_UI_URL!;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const query = encodeURIComponent(`BatonRunName="${handle.runName}"`);
    await page.goto(`${ui}/namespaces/default/workflows?query=${query}`);
    await page.getByText(handle.id).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-list.png'), fullPage: true });

    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(handle.id)}`);
    await page.getByText('agent-task').first().waitFor({ timeout: 30_000 });
    const text = await page.innerText('body');
    assert.ok(text.includes('named-by-function'), 'the second task is named in the history');
    assert.ok(text.includes('sum-2-plus-3'), "the task run's name shows beside its task");
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-run.png'), fullPage: true });
    await page.close();
  });
});
