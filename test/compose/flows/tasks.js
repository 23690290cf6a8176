// Runs in Node in a worker container. Every attempt of a step appends `start` and, if it gets
// there, `done` to this worker process's own journal file in a folder the test shares with the
// containers, with the container's id, so the test can tell which work a killed container held.
'use strict';
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { task, getRunContext } = require('baton');

const WORKER = randomUUID();

/** The container's id, from the bind mounts Docker makes for every container (/etc/hostname...). */
function containerId() {
  const match = /\/containers\/([0-9a-f]{64})\//.exec(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  return match ? match[1] : 'unknown';
}
const CONTAINER = containerId();

function record(event, n) {
  const { flowRunId, attempt } = getRunContext();
  const line = { event, flowRunId, step: n, attempt, worker: WORKER, container: CONTAINER, at: Date.now() };
  const dir = process.env.COMPOSE_TEST_JOURNAL_DIR;
  fs.appendFileSync(path.join(dir, `journal-${WORKER}.jsonl`), JSON.stringify(line) + '\n');
}

exports.journalStep = task({ name: 'journal-step', heartbeatSeconds: 2, taskRunName: 'step-{n}' }, async (n, ms) => {
  record('start', n);
  await sleep(ms);
  record('done', n);
  // Kept in the run's log (BATON_HOME on the volume the API shares): the test reads it back.
  getRunContext().logger.info({ n, container: CONTAINER }, `step ${n} done`);
  return n;
});
