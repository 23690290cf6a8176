// Runs in Temporal's sandbox: calls the task by name only.
'use strict';
const { z } = require('zod');
const { flow, tasks } = require('baton/workflows');

const { journalStep } = tasks();

exports.journal = flow(
  {
    name: 'compose-journal',
    description: 'Runs `steps` tasks one after another; each records its start and its end',
    parameters: z.object({ steps: z.number().int().min(1).max(20), ms: z.number().int().min(0).max(10_000) }),
    flowRunName: 'journal-{steps}x{ms}ms',
  },
  async ({ steps, ms }) => {
    const done = [];
    for (let n = 1; n <= steps; n++) done.push(await journalStep(n, ms));
    return done;
  },
);
