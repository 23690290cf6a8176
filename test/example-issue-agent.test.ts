/**
 * The issue agent example (examples/issue-agent), unchanged, on a real worker and a real Temporal
 * server, started the three ways its README shows: the API (a deployment from its baton.yaml),
 * the CLI and code (its run.ts). GitHub cannot be reached from here, so the MCP server declared as
 * `github` is the fixture in test/fixtures/github-mcp: the GitHub MCP server's tool names and input
 * schemas over a fixture repository, journaling every call and write. The model is the scripted
 * OpenAI-compatible server (test/model-server.ts), answering by what each request holds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { ErrorBody } from '../src/core/schemas';
import { loadWebhooks } from '../src/events/webhook-config';
import { githubSignature } from '../src/events/webhook-request';
import type { IssueAgentSummary } from '../examples/issue-agent';
import { startTestApi, type TestApi } from './api-helpers';
import { sha256, type FixtureCall, type FixtureRepo } from './fixtures/github-mcp/repository';
import { eventually, FIXTURES, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';
import { jules, userText } from './fixtures/github-mcp/jules-model';
import { ModelServer } from './model-server';

const EXAMPLE = path.join(ROOT, 'examples', 'issue-agent');
const GITHUB_FIXTURE = path.join(FIXTURES, 'github-mcp');
/** Only this test run knows it: found anywhere but in the fixture server's environment, it leaked. */
const TOKEN = `ghp_${randomUUID().replace(/-/g, '')}`;
const ISSUE_42 = 'https://github.com/acme/widgets/issues/42';
const ISSUE_7 = 'https://github.com/acme/widgets/issues/7';
const TIMEOUT = { timeout: 90_000 };

/** A history as text, every payload decoded (`data` is base64 in its JSON), so a value in any of them can be found. */
function historyText(events: unknown[]): string {
  return JSON.stringify(events, (key, value: unknown) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
}

interface Child {
  stdout(): string;
  stderr(): string;
  exited: Promise<number>;
}

/** A child process whose output is read as it comes; killed if it has not exited within `timeoutMs`. */
function start(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Child {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    }),
  );
  return { stdout: () => out, stderr: () => err, exited };
}

const baton = (args: string[], env: NodeJS.ProcessEnv) => start([path.join(ROOT, 'bin', 'baton.js'), ...args], env);
const runScript = (url: string, env: NodeJS.ProcessEnv) => start(['--import', 'tsx', path.join(EXAMPLE, 'run.ts'), url], env);

describe('example: the issue agent', { timeout: 300_000 }, () => {
  let model: ModelServer;
  let w: TestWorker;
  let api: TestApi;
  const dir = tempDir();
  const repoFile = path.join(dir, 'repo.json');
  const logLines: string[] = [];
  /** Every run this file started, for the token check. */
  const runIds: string[] = [];
  /** Everything the CLI and run.ts printed. */
  const printed: string[] = [];
  const saved = { ...process.env };

  const journal = (name: 'calls.jsonl' | 'writes.jsonl'): FixtureCall[] => {
    const file = path.join(dir, name);
    return fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as FixtureCall)
      : [];
  };
  const repo = () => JSON.parse(fs.readFileSync(repoFile, 'utf8')) as FixtureRepo;
  const comments = (issue: number) =>
    repo()
      .issues.find((i) => i.number === issue)!
      .comments.map((c) => c.body);
  const waitingApproval = (flowRunId: string) =>
    eventually(async () => (await w.client.approvals.list({ flow: 'issue-agent' })).approvals.find((a) => a.flowRunId === flowRunId), 30_000);

  before(async () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(GITHUB_FIXTURE, 'fixture-repo.json'), 'utf8')) as FixtureRepo;
    fs.writeFileSync(repoFile, JSON.stringify({ ...fixture, tokenSha256: sha256(TOKEN) }, null, 2));
    model = await ModelServer.start();
    model.replyWith(jules);
    Object.assign(process.env, {
      BATON_LLM_BASE_URL: model.baseURL,
      BATON_LLM_MODEL: 'scripted-jules',
      BATON_LLM_API_KEY: 'sk-issue-agent-0123456789',
      GITHUB_TOKEN: TOKEN,
      // Declared as a user declares the real server (baton.yaml's mcpServers.github), the command aside.
      BATON_MCP_SERVERS: JSON.stringify({
        github: {
          command: process.execPath,
          args: ['--import', 'tsx', path.join(GITHUB_FIXTURE, 'server.ts')],
          cwd: ROOT,
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}', GITHUB_FIXTURE_REPO: repoFile },
        },
      }),
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    w = await startWorker({ flows: EXAMPLE, logger: pino({ level: 'debug' }, sink) });
    api = await startTestApi(w.client);
  });

  after(async () => {
    try {
      await api?.close();
      await w?.stop();
      await model?.close();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  test('from the API, through the deployment in baton.yaml: the issue is read, a comment waits for approval, is approved and written', TIMEOUT, async () => {
    // The example's baton.yaml, deployed by the CLI under a name and task queue of this test's own.
    const name = uid('issue-agent');
    const yaml = fs.readFileSync(path.join(EXAMPLE, 'baton.yaml'), 'utf8').replace(/^ {2}- name: issue-agent$/m, `  - name: ${name}\n    taskQueue: ${w.taskQueue}`);
    assert.notEqual(yaml, fs.readFileSync(path.join(EXAMPLE, 'baton.yaml'), 'utf8'));
    const file = path.join(dir, 'baton.yaml');
    fs.writeFileSync(file, yaml);
    try {
      const deployed = baton(['deploy', '--file', file], { BATON_API_URL: api.base });
      assert.equal(await deployed.exited, 0, deployed.stderr());
      assert.match(deployed.stdout(), new RegExp(`${name}\\s+issue-agent`));

      const started = await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { url: ISSUE_42 } });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const id = started.body.id as string;
      runIds.push(id);
      assert.equal(started.body.runName, 'issue-acme-widgets-42');

      const pending = await eventually(async () => {
        const res = await api.call('GET', `/api/approvals?deployment=${name}`);
        return (res.body.approvals as { flowRunId: string; key: string; description: string }[]).find((a) => a.flowRunId === id);
      }, 30_000);
      assert.equal(pending.key, 'jules-tool-2-1');
      const args = { owner: 'acme', repo: 'widgets', issue_number: 42, body: 'Plan for #42: make spin() say "stopped" at speed 0, and add a test.' };
      assert.ok(pending.description.includes(`jules wants to call add_issue_comment with ${JSON.stringify(args)}`), pending.description);
      assert.equal((await api.call('GET', `/api/flow-runs/${id}`)).body.state, 'AwaitingApproval');
      assert.deepEqual(journal('writes.jsonl'), [], 'nothing is written before the approval');

      // The flow read the issue the URL names, and the model planned from it; the read needed no approval.
      assert.deepEqual(journal('calls.jsonl').slice(0, 2), [
        { tool: 'get_issue', args: { owner: 'acme', repo: 'widgets', issue_number: 42 } },
        { tool: 'get_file_contents', args: { owner: 'acme', repo: 'widgets', path: 'src/spin.ts' } },
      ]);
      const [first] = model.chatRequests();
      assert.match(userText(first!), /spin --speed 0 prints nothing/);
      const offered = (first!.body?.tools as { function: { name: string } }[]).map((t) => t.function.name);
      for (const tool of ['get_issue', 'list_issues', 'add_issue_comment', 'create_branch', 'create_or_update_file', 'create_pull_request'])
        assert.ok(offered.includes(tool), tool);

      const decided = await api.call('POST', `/api/flow-runs/${id}/approvals/${pending.key}`, { decision: 'approve', comment: 'good plan' });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      const done = await eventually(async () => {
        const res = await api.call('GET', `/api/flow-runs/${id}`);
        return res.body.state === 'Completed' ? res.body : undefined;
      }, 30_000);
      const summary = done.result as IssueAgentSummary;
      assert.deepEqual(journal('writes.jsonl'), [{ tool: 'add_issue_comment', args }]);
      assert.deepEqual(comments(42), [args.body]);
      assert.deepEqual(summary.issue, { owner: 'acme', repo: 'widgets', number: 42, title: 'spin --speed 0 prints nothing' });
      assert.deepEqual(
        summary.actions.map((a) => [a.tool, a.write, a.outcome]),
        [
          ['get_file_contents', false, 'done'],
          ['add_issue_comment', true, 'done'],
        ],
      );
      assert.equal(summary.answer, 'Posted the plan on #42.');
      assert.match(summary.report, /^acme\/widgets#42 "spin --speed 0 prints nothing": read, then 3 model steps$/m);
      assert.match(summary.report, /^1 write\(s\) made: add_issue_comment$/m);
      assert.deepEqual(
        (await w.client.flowRuns.taskRuns(id)).map((r) => r.runName),
        ['tool: get_issue', 'tools: github', 'jules: step 1', 'tool: get_file_contents', 'jules: step 2', 'tool: add_issue_comment', 'jules: step 3'],
      );
    } finally {
      await api.call('DELETE', `/api/deployments/${name}`);
    }
  });

  test('from the CLI: baton flow run issue-agent --param url=…; the write is rejected, nothing is written and the summary says so', TIMEOUT, async () => {
    const writesBefore = journal('writes.jsonl').length;
    const env = { BATON_API_URL: api.base };
    const run = baton(['flow', 'run', 'issue-agent', '--param', `url=${ISSUE_7}`, '--watch'], env);
    const id = await eventually(() => /^flow run (\S+) \(issue-acme-widgets-7\)$/m.exec(run.stdout())?.[1], 30_000);
    runIds.push(id);
    const pending = await waitingApproval(id);
    assert.match(pending.description ?? '', /add_issue_comment with \{"owner":"acme","repo":"widgets","issue_number":7,/);

    const reject = baton(['approval', 'reject', id, pending.key, '--comment', 'not before the release'], env);
    assert.equal(await reject.exited, 0, reject.stderr());
    assert.equal(await run.exited, 0, run.stderr());
    printed.push(run.stdout(), run.stderr(), reject.stdout(), reject.stderr());
    assert.match(run.stdout(), /tool: add_issue_comment|jules: step 3/);
    assert.match(run.stdout(), /nothing was written to GitHub/);

    const summary = (await w.client.flowRuns.get(id)).result as IssueAgentSummary;
    assert.deepEqual(summary.actions[1], {
      tool: 'add_issue_comment',
      args: { owner: 'acme', repo: 'widgets', issue_number: 7, body: 'Plan for #7: make spin() say "stopped" at speed 0, and add a test.' },
      write: true,
      outcome: 'rejected',
      detail: 'rejected by local: not before the release',
    });
    assert.match(summary.report, /^- add_issue_comment \(write\): rejected \(rejected by local: not before the release\)$/m);
    assert.match(summary.report, /^nothing was written to GitHub$/m);
    assert.match(summary.report, /^1 write\(s\) rejected: add_issue_comment$/m);
    assert.equal(summary.answer, 'The comment was rejected, so I posted nothing.');
    assert.equal(journal('writes.jsonl').length, writesBefore);
    assert.deepEqual(comments(7), []);
    assert.ok(!(await w.client.flowRuns.taskRuns(id)).some((r) => r.runName === 'tool: add_issue_comment'), 'the rejected call never ran');
  });

  test('from code: examples/issue-agent/run.ts starts the run, names the approval it waits for, and prints the summary', TIMEOUT, async () => {
    const writesBefore = journal('writes.jsonl').length;
    const script = runScript(ISSUE_42, { BATON_TASK_QUEUE: w.taskQueue });
    const id = await eventually(() => /^started flow run (\S+) \(issue-acme-widgets-42\)$/m.exec(script.stdout())?.[1], 40_000);
    runIds.push(id);
    const key = await eventually(() => /^waiting for approval (\S+): jules wants to call add_issue_comment/m.exec(script.stdout())?.[1], 30_000);
    // The command to decide is printed on the next line, by a write of its own.
    await eventually(() => new RegExp(`baton approval approve\\|reject ${id} ${key}`).test(script.stdout()) || undefined, 10_000);
    await w.client.approvals.decide(id, key, { decision: 'approve' }, 'ada');
    assert.equal(await script.exited, 0, script.stderr());
    printed.push(script.stdout(), script.stderr());
    assert.match(script.stdout(), /^1 write\(s\) made: add_issue_comment$/m);
    assert.match(script.stdout(), /^Posted the plan on #42\.$/m);
    assert.equal(journal('writes.jsonl').length, writesBefore + 1);
    assert.equal(comments(42).length, 2);
  });

  test('a URL that is not a GitHub issue is refused, naming url, before anything starts: API 400, CLI, run.ts', TIMEOUT, async () => {
    const callsBefore = journal('calls.jsonl').length;
    const chatsBefore = model.chatRequests().length;
    const bad = 'https://gitlab.com/acme/widgets/-/issues/42';
    const res = await api.call('POST', '/api/flows/issue-agent/runs', { parameters: { url: bad } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const body = ErrorBody.parse(res.body);
    assert.equal(body.error.code, 'PARAMETER_VALIDATION');
    assert.deepEqual(body.error.details, [{ path: 'url', message: 'must be a GitHub issue URL: https://github.com/<owner>/<repo>/issues/<number>' }]);
    const missing = await api.call('POST', '/api/flows/issue-agent/runs', { parameters: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      (ErrorBody.parse(missing.body).error.details as { path: string }[]).map((d) => d.path),
      ['url'],
    );

    const cli = baton(['flow', 'run', 'issue-agent', '--param', `url=${bad}`], { BATON_API_URL: api.base });
    assert.equal(await cli.exited, 1);
    assert.match(cli.stderr(), /invalid parameters for flow 'issue-agent': url: must be a GitHub issue URL/);
    const script = runScript('https://github.com/acme/widgets/pull/42', { BATON_TASK_QUEUE: w.taskQueue });
    assert.equal(await script.exited, 2, script.stdout() + script.stderr());
    assert.match(script.stderr(), /url: must be a GitHub issue URL/);
    assert.doesNotMatch(script.stdout(), /started flow run/);
    assert.equal(journal('calls.jsonl').length, callsBefore, 'GitHub was not called');
    assert.equal(model.chatRequests().length, chatsBefore, 'the model was not asked');
  });

  test("the seed's case: GitHub's signed issues.opened webhook runs the deployment on the issue, once, through the automation in baton.yaml", TIMEOUT, async () => {
    // The example's baton.yaml as it is, with names of this test's own and (other tests send
    // github.issues.opened too) its automation kept to the fixture repository.
    const name = uid('issue-agent');
    const automation = uid('issue-agent-on-open');
    const original = fs.readFileSync(path.join(EXAMPLE, 'baton.yaml'), 'utf8');
    const yaml = original
      .replace(/^ {2}- name: issue-agent$/m, `  - name: ${name}\n    taskQueue: ${w.taskQueue}`)
      .replace(/^ {2}- name: issue-agent-on-open$/m, `  - name: ${automation}`)
      .replace('match: github.issues.opened }', 'match: github.issues.opened, resource: { id: acme/widgets } }')
      .replace('deployment: issue-agent,', `deployment: ${name},`);
    assert.equal(yaml.split('\n').length, original.split('\n').length + 1, 'every name was replaced');
    assert.ok(yaml.includes('resource: { id: acme/widgets } }') && yaml.includes(`deployment: ${name},`));
    const file = path.join(dir, 'baton-webhook.yaml');
    fs.writeFileSync(file, yaml);
    const secret = `whsec-${randomUUID()}`;
    // The API reads the webhook from the same file, its secret from its environment.
    const hookApi = await startTestApi(w.client, undefined, { webhooks: loadWebhooks({ BATON_WEBHOOKS_FILE: file, GITHUB_WEBHOOK_SECRET: secret }, dir) });
    try {
      const deployed = baton(['deploy', '--file', file], { BATON_API_URL: hookApi.base });
      assert.equal(await deployed.exited, 0, deployed.stderr());
      const applied = baton(['automation', 'apply', '--file', file], { BATON_API_URL: hookApi.base });
      assert.equal(await applied.exited, 0, applied.stderr());
      assert.match(applied.stdout(), new RegExp(automation));

      const delivery = randomUUID();
      const body = JSON.stringify({
        action: 'opened',
        issue: { number: 7, title: 'Document the speed flag', html_url: ISSUE_7 },
        repository: { full_name: 'acme/widgets' },
        sender: { login: 'octocat' },
      });
      const deliver = () =>
        hookApi.call('POST', '/api/webhooks/github', body, {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': delivery,
          'x-hub-signature-256': githubSignature(Buffer.from(secret), Buffer.from(body)),
        });
      const first = await deliver();
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.deepEqual(first.body, { id: delivery, duplicate: false });
      // GitHub's redelivery of the same delivery: stored once, so it runs nothing more.
      assert.deepEqual((await deliver()).body, { id: delivery, duplicate: true });

      const runs = async () => (await hookApi.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns as { id: string; runName: string }[];
      const [run] = await eventually(async () => ((await runs()).length ? runs() : undefined), 30_000);
      runIds.push(run!.id);
      assert.equal(run!.runName, 'issue-acme-widgets-7');
      const pending = await waitingApproval(run!.id);
      assert.match(pending.description ?? '', /add_issue_comment with \{"owner":"acme","repo":"widgets","issue_number":7,/);
      await w.client.approvals.decide(run!.id, pending.key, { decision: 'approve' }, 'ada');
      const summary = (await w.client.flowRuns.result(run!.id)) as IssueAgentSummary;
      assert.deepEqual(summary.issue, { owner: 'acme', repo: 'widgets', number: 7, title: 'Document the speed flag' });
      assert.equal(summary.answer, 'Posted the plan on #7.');
      assert.deepEqual(comments(7), ['Plan for #7: make spin() say "stopped" at speed 0, and add a test.']);
      // The redelivery started nothing: the deployment has that one run.
      assert.deepEqual(
        (await runs()).map((r) => r.id),
        [run!.id],
      );
    } finally {
      await hookApi.call('DELETE', `/api/automations/${automation}`);
      await hookApi.call('DELETE', `/api/deployments/${name}`);
      await hookApi.close();
    }
  });

  test('GITHUB_TOKEN, given as ${GITHUB_TOKEN}, reaches the server but is in no history, result, log line or output', TIMEOUT, async () => {
    assert.ok(runIds.length >= 3, 'the runs above ran');
    // The fixture refuses a call without the repository's token (as GitHub answers 401): every journaled call carried it.
    assert.equal(journal('calls.jsonl').length, 11);
    for (const id of runIds) {
      const events = (await w.client.temporal.workflow.getHandle(id).fetchHistory()).events ?? [];
      const text = historyText(events);
      assert.ok(text.includes('add_issue_comment'), 'the history is decoded');
      assert.ok(!text.includes(TOKEN), `the token is in the history of ${id}`);
      const answer = await api.call('GET', `/api/flow-runs/${id}`);
      assert.ok(!JSON.stringify(answer.body).includes(TOKEN));
    }
    assert.ok(logLines.some((l) => l.includes("MCP server 'github' connected")));
    assert.ok(!logLines.some((l) => l.includes(TOKEN)), 'the token is in a log line');
    assert.ok(!printed.some((p) => p.includes(TOKEN)), 'the token was printed');
  });
});
