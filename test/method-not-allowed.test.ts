import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workerAndApi } from './api-helpers';

// Sent with fetch, not the checked helper: the OpenAPI document describes operations, and these are not.
describe('methods the API does not take', { timeout: 60_000 }, () => {
  const t = workerAndApi();

  test('a path asked with a method it does not take is a 405 with Allow; TRACE anywhere is a 405', async () => {
    const put = await fetch(`${t.api.base}/api/flow-runs/abc`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET');
    assert.equal(((await put.json()) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');

    const del = await fetch(`${t.api.base}/api/flow-runs`, { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET');

    const deployments = await fetch(`${t.api.base}/api/deployments/x`, { method: 'PUT' });
    assert.equal(deployments.status, 405);
    assert.deepEqual(deployments.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'PATCH']);

    for (const path of ['/api/flow-runs', '/nowhere']) {
      // Node's fetch refuses TRACE, so the request is made over a raw connection.
      const res = await rawRequest(t.api.base, 'TRACE', path);
      assert.match(res, /^HTTP\/1\.1 405 /, `TRACE ${path}: ${res.split('\r\n')[0]}`);
    }

    const unknown = await fetch(`${t.api.base}/api/nothing-here`);
    assert.equal(unknown.status, 404, 'a path the API does not have is still a 404');
  });
});

async function rawRequest(base: string, method: string, path: string): Promise<string> {
  const { host, port } = new URL(base);
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host.split(':')[0]!, () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (c) => (data += String(c)));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error('no answer'));
    });
  });
}
