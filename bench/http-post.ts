// A JSON POST over one kept-alive connection with node:http, the client the bench times the API
// with: fetch (undici) spends about 1.5 ms of its own per request on this machine kind, which is
// the client's cost, not the API's (bench/probe-api.ts prints both).
import http from 'node:http';

export function jsonPoster(): (url: string, body: string) => Promise<{ status: number; text: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return (url, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.once('error', reject);
      req.end(body);
    });
}
