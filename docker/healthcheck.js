#!/usr/bin/env node
// The image's HEALTHCHECK. `baton worker start` and `baton api start` rewrite BATON_HEALTH_FILE
// every 5 s while healthy (a worker: while it polls). Healthy means: the file is fresh and, for
// the API, GET /api/health answers 200 (the API is up and Temporal reachable). Exit 0 or 1.
'use strict';
const fs = require('node:fs');
const http = require('node:http');

const MAX_AGE_MS = 20_000;
const file = process.env.BATON_HEALTH_FILE || '/tmp/baton-health.json';

function fail(message) {
  console.error(`unhealthy: ${message}`);
  process.exit(1);
}

let record;
try {
  record = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  fail(err.code === 'ENOENT' ? `${file} does not exist yet (still starting?)` : `${file}: ${err.message}`);
}
const age = Date.now() - Date.parse(record.at);
if (!(age <= MAX_AGE_MS)) fail(`${file} was last written ${Math.round(age / 1000)} s ago`);

if (!record.apiUrl) {
  console.log(`healthy: ${record.roles.join(' + ')} (pid ${record.pid})`);
  process.exit(0);
}

// Ask the API on loopback: an API bound to every interface (0.0.0.0, ::) answers there too.
const url = new URL('/api/health', record.apiUrl);
if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
const request = http.get(url, { timeout: 4_000 }, (res) => {
  let body = '';
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    if (res.statusCode !== 200) fail(`${url} answered ${res.statusCode}: ${body.slice(0, 200)}`);
    console.log(`healthy: ${record.roles.join(' + ')} (pid ${record.pid}), ${url} answered 200`);
    process.exit(0);
  });
});
request.on('timeout', () => request.destroy(new Error('no answer within 4 s')));
request.on('error', (err) => fail(`${url}: ${err.message}`));
