import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pageTokenBytes, pageTokenText } from '../src/client/visibility';
import { workerAndApi } from './api-helpers';
import { eventually, uid } from './helpers';

describe('page tokens', { timeout: 60_000 }, () => {
  const t = workerAndApi();

  test('a token round-trips; anything else is refused before Temporal sees it', () => {
    const bytes = Buffer.from('{"RunID":"x"}');
    assert.deepEqual(Buffer.from(pageTokenBytes(pageTokenText(bytes)!)!), bytes);
    assert.equal(pageTokenText(new Uint8Array()), null);
    const good = pageTokenText(bytes)!;
    for (const bad of ['garbage', 'not base64!', good.slice(0, -2), `${good.slice(0, 5)}${good[5] === 'x' ? 'y' : 'x'}${good.slice(6)}`, 'AAAAAAAAAAAAAAAA']) {
      assert.throws(() => pageTokenBytes(bad), /pageToken: is not a page token this API gave out/, bad);
    }
  });

  test('a malformed pageToken is a 400 naming it, at once, on every list', async () => {
    for (const route of ['/api/flow-runs', '/api/deployments', '/api/approvals']) {
      const started = Date.now();
      const res = await t.api.call('GET', `${route}?pageToken=${encodeURIComponent('eyJub3QiOiJhIHRva2VuIn0')}`);
      assert.equal(res.status, 400, `${route}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(
        res.body.error.details.map((d: { path: string }) => d.path),
        ['pageToken'],
      );
      assert.ok(Date.now() - started < 2_000, `${route} answered after ${Date.now() - started} ms`);
    }
  });

  test('paging through a list with the tokens the API gives', async () => {
    const tag = uid('page');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: `p${i}` }, tags: [tag] })).body.id);
    // Visibility lists runs still going first: a run that ends between two pages would move behind
    // the cursor. Page once all three have ended and are listed as such.
    for (const id of ids) await t.w.client.flowRuns.result(id);
    await eventually(async () => {
      const res = await t.api.call('GET', `/api/flow-runs?tag=${tag}&state=Completed`);
      return res.body.flowRuns.length === 3 || undefined;
    });
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: { status: number; body: { flowRuns: { id: string }[]; nextPageToken: string | null } } = await t.api.call(
        'GET',
        `/api/flow-runs?tag=${tag}&pageSize=1${token ? `&pageToken=${token}` : ''}`,
      );
      assert.equal(res.status, 200);
      seen.push(...res.body.flowRuns.map((r) => r.id));
      token = res.body.nextPageToken;
      if (!token) break;
    }
    assert.deepEqual(seen.sort(), ids.sort());
  });
});
