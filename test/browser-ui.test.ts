/**
 * The Baton UI in a real browser (Debian's Chromium driven by playwright-core) against a real API,
 * worker and Temporal: the runs list and its filters, a run's page (task runs, its stream and
 * progress arriving live, its logs, an approval decided there), the deployments page starting and
 * pausing a deployment, hostile names shown as text, and an API with keys asking for one.
 * Screenshots are saved under test-artifacts/ (checked in: the README shows them).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openStreams } from '../src/api/routes/flow-run-stream';
import { VARIABLES_WORKFLOW_ID } from '../src/core/variables';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, uid, type TestWorker } from './helpers';

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
const SECRET = 'ui-admin-secret-0123456789';
const READ_SECRET = 'ui-viewer-secret-0123456789';

describe('the Baton UI in a real browser', () => {
  let w: TestWorker;
  let api: TestApi;
  let keyed: TestApi;
  let browser: Browser;
  const errors: string[] = [];

  before(
    async () => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      assert.ok(
        fs.existsSync(CHROMIUM),
        `Chromium not found at ${CHROMIUM}: run these tests with \`npm test\`, which installs Debian's chromium when missing (or set BATON_CHROMIUM)`,
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
      w = await startWorker({ flows: path.join(FIXTURES, 'ui') });
      // The variables store is one workflow per namespace, kept on the task queue it was first
      // written from: one another test file left behind may run on a queue no worker polls now.
      await w.client.temporal.workflow
        .getHandle(VARIABLES_WORKFLOW_ID)
        .terminate('a new test file keeps the variables store on its own task queue')
        .catch(() => undefined);
      api = await startTestApi(w.client);
      keyed = await startTestApi(w.client, `admin:admin:${SECRET},viewer:read:${READ_SECRET}`);
    },
    { timeout: 180_000 },
  );
  after(
    async () => {
      await browser?.close();
      // A stream's reader ends once it sees its caller gone; the client it reads with must outlive it.
      await eventually(() => openStreams.runs === 0, 15_000);
      await keyed?.close();
      await api?.close();
      await w?.client.temporal.workflow
        .getHandle(VARIABLES_WORKFLOW_ID)
        .terminate('test over')
        .catch(() => undefined);
      await w?.stop();
    },
    { timeout: 60_000 },
  );

  /** A page whose script errors fail the test (collected, asserted at the end of each test). */
  async function open(url: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('pageerror', (err) => errors.push(`${url}: ${err.message}`));
    await page.goto(url);
    return page;
  }
  const noScriptErrors = () => assert.deepEqual(errors.splice(0), [], 'no script error on any page');

  const start = async (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const res = await api.call('POST', '/api/flows/ui-tour/runs', { parameters, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const visibleRuns = (page: Page) => page.locator('#runs tbody tr[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));

  test('the runs list: states, names, and filters that narrow it (kept in the URL)', { timeout: 120_000 }, async () => {
    const prefix = uid('list');
    const [red, blue] = [uid('red'), uid('blue')];
    const ids = [
      await start({ title: 'a', steps: 1, stepSeconds: 0 }, { runName: `${prefix}-one`, tags: [red] }),
      await start({ title: 'b', steps: 1, stepSeconds: 0 }, { runName: `${prefix}-two`, tags: [red] }),
      await start({ title: 'c', steps: 1, stepSeconds: 0 }, { runName: `${prefix}-three`, tags: [blue] }),
    ];
    await Promise.all(ids.map((id) => w.client.flowRuns.result(id)));

    const page = await open(`${api.base}/`);
    await page.waitForURL(/\/ui\/runs$/);
    // Another test's runs are listed too until the search by run name narrows the list.
    await start({ title: 'other', steps: 1, stepSeconds: 0 }, { runName: uid('other') });
    await page.locator('input[name="name"]').fill(prefix);
    await page.waitForURL(new RegExp(`\\?name=${prefix}$`));
    await eventually(async () => ((await visibleRuns(page)).sort().join() === [...ids].sort().join() ? true : undefined), 15_000);
    const first = page.locator(`tr[data-run="${ids[2]}"]`);
    assert.match(await first.innerText(), new RegExp(`Completed\\s+${prefix}-three[\\s\\S]*ui-tour`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'runs-list.png'), fullPage: true });

    // Clicking a run's tag keeps only the runs with that tag.
    await first.locator(`button.chip[data-tag="${blue}"]`).click();
    await eventually(async () => ((await visibleRuns(page)).join() === ids[2] ? true : undefined), 15_000);
    assert.equal(new URL(page.url()).searchParams.get('tag'), blue);

    // Another tag and a state from the select; the URL says so, and a reload keeps them.
    await page.locator('input[name="tag"]').fill(red);
    await page.locator('input[name="tag"]').press('Enter');
    await eventually(async () => ((await visibleRuns(page)).sort().join() === [ids[0], ids[1]].sort().join() ? true : undefined), 15_000);
    await page.locator('select[name="state"]').selectOption('Failed');
    await page.locator('#runs td.empty', { hasText: 'No runs match' }).waitFor();
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { state: 'Failed', tag: red, name: prefix });
    await page.reload();
    await page.locator('#runs td.empty', { hasText: 'No runs match' }).waitFor();
    assert.equal(await page.locator('select[name="state"]').inputValue(), 'Failed');
    await page.locator('select[name="state"]').selectOption('Completed');
    await eventually(async () => ((await visibleRuns(page)).length === 2 ? true : undefined), 15_000);

    // The list reads itself again while visible: a new matching run shows up without a reload.
    const later = await start({ title: 'd', steps: 1, stepSeconds: 0 }, { runName: `${prefix}-four`, tags: [red] });
    await w.client.flowRuns.result(later);
    await page.locator(`tr[data-run="${later}"]`).waitFor({ timeout: 15_000 });

    // The API's page tokens, two runs a page: the first page, the next, and back.
    await page.goto(`${api.base}/ui/runs?name=${prefix}&pageSize=2`);
    await eventually(async () => ((await visibleRuns(page)).length === 2 ? true : undefined), 15_000);
    const firstPage = await visibleRuns(page);
    assert.equal(await page.locator('#prev').isDisabled(), true);
    await page.locator('#next').click();
    await page.locator('#page-info', { hasText: 'page 2' }).waitFor();
    const secondPage = await visibleRuns(page);
    assert.deepEqual([...firstPage, ...secondPage].sort(), [...ids, later].sort(), 'two pages of two: each run once');
    await page.locator('#prev').click();
    await page.locator('#page-info', { hasText: 'page 1' }).waitFor();
    assert.deepEqual(await visibleRuns(page), firstPage);
    await page.locator('select[name="state"]').selectOption('Completed');
    await page.waitForURL(/pageSize=2/);
    await page.close();
    noScriptErrors();
  });

  test("a run's page: task runs, its stream and progress arriving live, its logs by level, and its approval decided there", { timeout: 150_000 }, async () => {
    const id = await start({ title: uid('live'), steps: 4, stepSeconds: 1.5, ask: true });
    const page = await open(`${api.base}/ui/runs/${id}`, 1280);
    await page.locator('#run-name').waitFor();
    assert.equal(await page.locator('#web-ui').getAttribute('href'), (await w.client.flowRuns.get(id)).webUrl);

    // Stream items and progress arrive while the run goes on: seen before the run has ended.
    const stepItems = page.locator('#stream li[data-kind="item"]');
    await stepItems.first().waitFor({ timeout: 30_000 });
    const bar = page.locator('.artifact[data-type="progress"] [role="progressbar"]');
    await bar.waitFor({ timeout: 30_000 });
    const early = Number(await bar.getAttribute('aria-valuenow'));
    const earlyItems = await stepItems.count();
    assert.equal((await w.client.flowRuns.get(id)).state, 'Running', 'the first item and the bar show while the run goes on');
    assert.ok(early < 100, `progress starts below 100 (${early})`);
    await eventually(async () => (Number(await bar.getAttribute('aria-valuenow')) > early ? true : undefined), 30_000);
    await eventually(async () => ((await stepItems.count()) > earlyItems ? true : undefined), 30_000);

    // The approval shows on the run's page once the run waits for it.
    const card = page.locator(`section.approval[data-run="${id}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.equal(Number(await bar.getAttribute('aria-valuenow')), 100);
    assert.deepEqual(
      await stepItems.locator('span:not(.meta)').allInnerTexts(),
      [1, 2, 3, 4].map((step) => JSON.stringify({ step, of: 4 })),
    );
    assert.equal(await page.locator('#header').getAttribute('data-state'), 'AwaitingApproval');
    assert.match(await card.innerText(), /Publish the tour live-/);

    // Task runs: four steps, and the report that failed once then completed (two attempts).
    const rows = page.locator('#task-runs tbody tr[data-task-run]');
    await eventually(async () => ((await rows.count()) === 5 ? true : undefined));
    const report = rows.filter({ hasText: 'ui-tour-report' });
    assert.equal(await report.locator('td.attempts').innerText(), '2');
    assert.match(await report.innerText(), /Completed/);
    assert.equal(await rows.filter({ hasText: 'ui-tour-step' }).count(), 4);

    // Artifacts: markdown rendered (heading, bold, list, a safe link), a table, a link.
    const md = page.locator('.artifact[data-type="markdown"] .markdown');
    assert.match(await md.locator('h3').innerText(), /^Report: live-/);
    assert.equal(await md.locator('a').getAttribute('href'), 'https://example.com/dashboard');
    assert.equal(await md.locator('strong').innerText(), '4');
    assert.equal(await md.locator('li').count(), 2);
    // The second attempt's table replaced the first's.
    const table = page.locator('.artifact[data-type="table"]');
    assert.equal(await table.count(), 1);
    assert.match(await table.locator('.meta').innerText(), /by ui-tour-report \(attempt 2\)/);
    assert.deepEqual(await table.locator('td:first-child').allInnerTexts(), ['eu', 'us']);
    assert.equal(await page.locator('.artifact[data-type="link"] a').first().getAttribute('href'), 'https://example.com/dashboard');

    // Logs: every line as it came, then only warnings and above.
    const logs = page.locator('#logs li');
    await eventually(async () => ((await logs.filter({ hasText: 'step 4 began' }).count()) === 1 ? true : undefined), 30_000);
    assert.ok((await logs.filter({ hasText: /tour live-.* started/ }).count()) === 1, "the flow's own line");
    await page.locator('#log-level').selectOption('warn');
    await eventually(async () => ((await logs.filter({ hasText: 'is slow on purpose' }).count()) === 4 ? true : undefined), 20_000);
    assert.equal(await logs.filter({ hasText: 'began' }).count(), 0);
    assert.ok(await logs.filter({ hasText: 'the first attempt fails on purpose' }).count(), "the report's failed attempt");
    assert.deepEqual(await logs.evaluateAll((ls) => [...new Set(ls.map((l) => l.getAttribute('data-level')))]), ['warn']);
    assert.equal(new URL(page.url()).searchParams.get('level'), 'warn');
    await page.screenshot({ path: path.join(ARTIFACTS, 'run-detail.png'), fullPage: true });

    // Decide from the run's page: a missing field is refused by field, then the approval goes through.
    await card.locator('button.approve').click();
    await card.locator('.status.error').waitFor();
    assert.equal((await w.client.flowRuns.get(id)).state, 'AwaitingApproval');
    await card.locator('input[name="reviewer"]').fill('grace');
    await card.locator('button.approve').click();
    await card.locator('.status', { hasText: 'Approved by local' }).waitFor();
    await page.locator('#header[data-state="Completed"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('#run-result').innerText(), /"decision": "approve by grace"/);
    await page.locator('#stream-state', { hasText: 'ended' }).waitFor({ timeout: 20_000 });
    await page.locator('#log-level').selectOption('');
    await logs.filter({ hasText: 'decision: approve by grace' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'run-completed.png'), fullPage: true });
    await page.close();
    noScriptErrors();
  });

  test('the deployments page: schedule, next and last runs; Run with a parameters form; pause and resume', { timeout: 120_000 }, async () => {
    const name = uid('ui-dep');
    const created = await api.call('POST', '/api/deployments', {
      name,
      flow: 'ui-tour',
      taskQueue: w.taskQueue,
      description: 'the tour, every hour',
      parameters: { title: 'hourly', steps: 1, stepSeconds: 0 },
      schedules: [{ intervalSeconds: 3600 }],
      tags: ['ui'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const page = await open(`${api.base}/ui/deployments`);
    const card = page.locator(`section.deployment[data-deployment="${name}"]`);
    await card.waitFor({ timeout: 20_000 });
    assert.equal(await card.locator('.schedules').innerText(), 'every 1 h');
    assert.equal(await card.locator('.badge[data-paused]').innerText(), 'active');
    const next = (await api.call('GET', `/api/deployments/${name}`)).body.nextRunTimes as string[];
    assert.ok(next.length > 0);
    assert.ok((await card.locator('.next-runs').innerText()).includes(new Date(next[0]!).toLocaleString('en-US')), 'the next run time shows');

    // Run: the form comes from the flow's schema, prefilled with the deployment's parameters.
    await card.locator('button.run').click();
    const form = card.locator('form.run-form');
    assert.equal(await form.locator('input[name="title"]').inputValue(), 'hourly');
    assert.equal(await form.locator('input[name="steps"]').inputValue(), '1');
    await form.locator('input[name="steps"]').fill('99');
    await form.locator('button[type="submit"]').click();
    await form.locator('[data-field="parameters.steps"]', { hasText: /20/ }).waitFor();
    assert.equal((await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.length, 0, 'a refused run starts nothing');
    await form.locator('input[name="steps"]').fill('2');
    await form.locator('input[name="title"]').fill('from the page');
    await form.locator('button[type="submit"]').click();
    const started = form.locator('.status[data-run]');
    await started.waitFor();
    const runId = (await started.getAttribute('data-run'))!;
    const run = await w.client.flowRuns.get(runId);
    assert.equal(run.deployment, name);
    assert.deepEqual(run.parameters, { title: 'from the page', steps: 2, stepSeconds: 0, ask: false });
    assert.deepEqual(await w.client.flowRuns.result(runId), { title: 'from the page', steps: 2 });
    // The run shows among the deployment's last runs, with its state.
    await card.locator(`.last-runs a[href="/ui/runs/${runId}"]`).waitFor({ timeout: 20_000 });
    await card.locator('.last-runs .badge.Completed').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'deployments.png'), fullPage: true });

    // Pause, then resume: the badge follows and the API agrees.
    await card.locator('button.toggle', { hasText: 'Pause' }).click();
    await card.locator('.badge[data-paused="true"]').waitFor();
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).body.paused, true);
    assert.equal(await card.locator('.next-runs').innerText(), 'none while paused');
    await card.locator('button.toggle', { hasText: 'Resume' }).click();
    await card.locator('.badge[data-paused="false"]').waitFor();
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).body.paused, false);

    // The run's link leads to its page.
    await started.locator('a').click();
    await page.waitForURL(new RegExp(`/ui/runs/${runId}$`));
    await page.locator('#header[data-state="Completed"]').waitFor({ timeout: 20_000 });
    await page.close();
    await api.call('DELETE', `/api/deployments/${name}`);
    noScriptErrors();
  });

  test('hostile names and artifacts show as text: no markup, no script, no javascript: link', { timeout: 120_000 }, async () => {
    const hostile = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">[click](javascript:window.__pwned=3)`;
    const tag = uid('hostile');
    const id = await start({ title: hostile, steps: 1, stepSeconds: 0 }, { runName: `${tag} ${hostile}`, tags: [tag] });
    await w.client.flowRuns.result(id);

    const list = await open(`${api.base}/ui/runs?tag=${tag}`);
    const row = list.locator(`tr[data-run="${id}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.equal(await row.locator('td.name a').innerText(), `${tag} ${hostile}`);
    assert.equal(await list.locator('main img, main script').count(), 0);
    assert.equal(await list.evaluate('window.__pwned'), undefined);
    await list.close();

    const page = await open(`${api.base}/ui/runs/${id}`);
    await page.locator('.artifact[data-type="markdown"]').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#run-name').innerText(), `${tag} ${hostile}`);
    const md = page.locator('.artifact[data-type="markdown"] .markdown');
    assert.equal(await md.locator('h3').innerText(), `Report: ${hostile}`);
    assert.ok((await page.locator('.artifact[data-type="table"]').first().innerText()).includes(hostile), 'the table cell holds the text');
    assert.equal(await page.locator('main img, main script, a[href^="javascript"]').count(), 0);
    assert.ok((await page.locator('#run-result').innerText()).includes(JSON.stringify(hostile).slice(1, 20)));
    await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-names.png'), fullPage: true });
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    await page.close();
    noScriptErrors();
  });

  test('with API keys: the pages ask for a key (401), then read the runs, the run and its stream with it', { timeout: 120_000 }, async () => {
    const tag = uid('keyed');
    const id = await start({ title: 'keyed', steps: 2, stepSeconds: 0 }, { tags: [tag] });
    await w.client.flowRuns.result(id);
    const page = await open(`${keyed.base}/ui/runs?tag=${tag}`);
    const notice = page.locator('#notice[data-status="401"]');
    await notice.waitFor();
    assert.equal(await notice.innerText(), 'The API needs a key: enter your API key above.');
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'api-key');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-401.png'), fullPage: true });

    await page.locator('#api-key').fill('not-the-key-at-all');
    await page.locator('#api-key').press('Enter');
    await page.locator('#api-key').dispatchEvent('change');
    await page.locator('#notice', { hasText: 'The API needs a key' }).waitFor();

    await page.locator('#api-key').fill(SECRET);
    await page.locator('#api-key').dispatchEvent('change');
    await page.locator(`tr[data-run="${id}"]`).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#notice').isHidden(), true);

    // The key is kept for the session: the run's page and its event streams use it.
    await page.locator(`tr[data-run="${id}"] td.name a`).click();
    await page.waitForURL(new RegExp(`/ui/runs/${id}$`));
    await page.locator('#header[data-state="Completed"]').waitFor({ timeout: 20_000 });
    await eventually(async () => ((await page.locator('#stream li[data-kind="item"]').count()) === 2 ? true : undefined), 20_000);
    await page.locator('#logs li', { hasText: 'step 2 began' }).waitFor({ timeout: 20_000 });

    // A read-only key reads, but a write is refused with the API's reason, and nothing starts.
    await page.locator('#api-key').fill(READ_SECRET);
    await page.locator('#api-key').dispatchEvent('change');
    await page.locator('#header[data-state="Completed"]').waitFor({ timeout: 20_000 });
    await page.locator('#header button', { hasText: 'Run again' }).click();
    await page.locator('#action-status.error', { hasText: 'This API key may not do that' }).waitFor();
    assert.equal((await keyed.call('GET', `/api/flow-runs?tag=${tag}`, undefined, { authorization: `Bearer ${READ_SECRET}` })).body.flowRuns.length, 1);
    await page.close();
    noScriptErrors();
  });

  test("a run's page cancels a running run, then retries it as a new run", { timeout: 120_000 }, async () => {
    const id = await start({ title: uid('cancel'), steps: 20, stepSeconds: 2 });
    const page = await open(`${api.base}/ui/runs/${id}`);
    await page.locator('#header[data-state="Running"]').waitFor({ timeout: 20_000 });
    await page.locator('#header button', { hasText: 'Cancel' }).click();
    await page.locator('#header[data-state="Cancelled"]').waitFor({ timeout: 30_000 });
    assert.equal((await w.client.flowRuns.get(id)).state, 'Cancelled');
    await page.locator('#header button', { hasText: 'Retry' }).click();
    const link = page.locator('#action-status a');
    await link.waitFor({ timeout: 20_000 });
    const retried = decodeURIComponent((await link.getAttribute('href'))!.replace('/ui/runs/', ''));
    assert.notEqual(retried, id);
    const again = await w.client.flowRuns.get(retried);
    assert.equal(again.retryOf, id);
    assert.deepEqual(again.parameters, (await w.client.flowRuns.get(id)).parameters);
    await link.click();
    await page.locator('#header dd a', { hasText: id }).waitFor();
    await page.locator('#header button', { hasText: 'Cancel' }).click();
    await page.locator('#header[data-state="Cancelled"]').waitFor({ timeout: 30_000 });
    await page.close();
    noScriptErrors();
  });
  test(
    'the concurrency page: a limit created there, its holder and its waiter linked to their runs, slots changed, turned off, deleted',
    { timeout: 150_000 },
    async () => {
      const holders = await startWorker({ flows: path.join(FIXTURES, 'limits') });
      const name = uid('ui-limit');
      const runs: string[] = [];
      try {
        const page = await open(`${api.base}/ui/concurrency`);
        const form = page.locator('form#create');
        await form.locator('input[name="name"]').fill('Not A Name');
        await form.locator('button[type="submit"]').click();
        await form.locator('[data-field="name"]').filter({ hasText: /\S/ }).waitFor();
        assert.equal((await api.call('GET', '/api/concurrency-limits/not-a-name')).status, 404, 'a refused limit is not made');
        await form.locator('input[name="name"]').fill(name);
        await form.locator('input[name="slots"]').fill('1');
        await form.locator('button[type="submit"]').click();
        const row = page.locator(`tr[data-limit="${name}"]`);
        await row.waitFor({ timeout: 20_000 });
        assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).body.slots, 1);

        // One run holds the only slot, the next waits: both shown, linked to their runs.
        for (let i = 0; i < 2; i++) runs.push((await holders.client.flowRuns.start('limits-hold-flow', { limit: name, ms: 60_000 })).id);
        // Which of the two asks first is the server's to decide: one holds, the other waits.
        const holding = row.locator('.holders a');
        const waiting = row.locator('.waiters a');
        await holding.first().waitFor({ timeout: 30_000 });
        await waiting.first().waitFor({ timeout: 30_000 });
        const linked = async (links: typeof holding) => (await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).sort();
        assert.deepEqual([...(await linked(holding)), ...(await linked(waiting))].sort(), runs.map((id) => `/ui/runs/${id}`).sort());
        assert.equal(await holding.count(), 1);
        assert.equal(await row.locator('.in-use > div').first().innerText(), '1 / 1');
        const waiter = (await linked(waiting))[0]!;
        await page.screenshot({ path: path.join(ARTIFACTS, 'concurrency.png'), fullPage: true });

        // Two slots: the waiter is served.
        await row.locator('input[name="slots"]').fill('2');
        await row.locator('button.save').click();
        await row.locator(`.holders a[href="${waiter}"]`).waitFor({ timeout: 30_000 });
        assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).body.slots, 2);
        await row.locator('button.toggle', { hasText: 'Turn off' }).click();
        await row.locator('.badge[data-active="false"]').waitFor();
        assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).body.active, false);
        await row.locator('button.toggle', { hasText: 'Turn on' }).click();
        await row.locator('.badge[data-active="true"]').waitFor();

        for (const id of runs) await holders.client.temporal.workflow.getHandle(id).terminate('test over');
        await row.locator('button.delete').click();
        await row.locator('button.delete').click();
        await row.waitFor({ state: 'detached', timeout: 20_000 });
        assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).status, 404);
        await page.close();
      } finally {
        await holders.stop();
      }
      noScriptErrors();
    },
  );

  test(
    'the variables page: set a JSON variable, edit it at its version (a change made meanwhile is a 409), delete it; values show as text',
    { timeout: 120_000 },
    async () => {
      const name = uid('ui-var');
      const page = await open(`${api.base}/ui/variables`);
      const form = page.locator('form#set');
      await form.locator('input[name="name"]').fill(name);
      await form.locator('textarea[name="value"]').fill('{"model": "m1",');
      await form.locator('button[type="submit"]').click();
      await form.locator('[data-field="value"]', { hasText: 'must be JSON' }).waitFor();
      await form.locator('textarea[name="value"]').fill('{"model": "m1", "note": "<img src=x onerror=alert(1)>"}');
      await form.locator('input[name="tags"]').fill('llm, prod');
      await form.locator('button[type="submit"]').click();
      const row = page.locator(`tr[data-variable="${name}"]`);
      await row.waitFor({ timeout: 20_000 });
      assert.equal(await row.locator('.version').innerText(), '1');
      assert.deepEqual(JSON.parse(await row.locator('.value pre').innerText()), { model: 'm1', note: '<img src=x onerror=alert(1)>' });
      assert.equal(await row.locator('img').count(), 0, 'a value is text, never markup');
      assert.deepEqual((await api.call('GET', `/api/variables/${name}`)).body.tags, ['llm', 'prod']);

      // Made again by name: refused (it exists), nothing overwritten.
      await form.locator('input[name="name"]').fill(name);
      await form.locator('textarea[name="value"]').fill('1');
      await form.locator('button[type="submit"]').click();
      await form.locator('.status.error').waitFor();
      assert.equal((await api.call('GET', `/api/variables/${name}`)).body.version, 1);
      await page.locator('#clear').click();

      // Edit: written over version 1.
      await row.locator('button.edit').click();
      assert.equal(await form.locator('input[name="name"]').inputValue(), name);
      await form.locator('textarea[name="value"]').fill('{"model": "m2"}');
      await form.locator('button[type="submit"]').click();
      await row.locator('.version', { hasText: '2' }).waitFor({ timeout: 20_000 });
      assert.deepEqual((await api.call('GET', `/api/variables/${name}`)).body.value, { model: 'm2' });
      await page.screenshot({ path: path.join(ARTIFACTS, 'variables.png'), fullPage: true });

      // Edited at version 2 while someone else writes version 3: the page's write is refused.
      await row.locator('button.edit').click();
      assert.equal((await api.call('PUT', `/api/variables/${name}`, { value: { model: 'elsewhere' } })).status, 200);
      await form.locator('textarea[name="value"]').fill('{"model": "mine"}');
      await form.locator('button[type="submit"]').click();
      await form.locator('.status.error', { hasText: /version/ }).waitFor();
      assert.deepEqual((await api.call('GET', `/api/variables/${name}`)).body.value, { model: 'elsewhere' });
      await page.locator('#clear').click();

      await page.reload();
      await row.waitFor();
      await row.locator('button.delete').click();
      await row.locator('button.delete').click();
      await row.waitFor({ state: 'detached', timeout: 20_000 });
      assert.equal((await api.call('GET', `/api/variables/${name}`)).status, 404);
      await page.close();
      noScriptErrors();
    },
  );
});
