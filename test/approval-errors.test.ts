import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { errorResponse } from '../src/api/errors';
import { WorkerUnavailableError } from '../src/core/errors';
import { causeText, decisionError, failureType } from '../src/client/approval-errors';

describe('why a decision was not taken, in words fit for an answer', () => {
  test('a cause keeps its first line and loses file paths', { timeout: 5_000 }, () => {
    assert.equal(causeText('boom\n    at fn (/work/app/src/flows.ts:12:3)'), 'boom');
    assert.equal(causeText("Cannot read 'x' in /srv/app/node_modules/zod/v4/core/schemas.js:51:7"), "Cannot read 'x' in <file>");
    assert.equal(causeText('failed at file:///home/me/app/flows.mjs:3'), 'failed at <file>');
    assert.equal(causeText(''), 'no reason given');
    assert.equal(causeText('x'.repeat(600)).length, 501);
  });

  test("a workflow task failure's class is read from the head of its stack, never its frames", { timeout: 5_000 }, () => {
    const stackTrace = 'bundle.js:6642\n    throw this.workflowTaskError;\n\nTypeError: input checked twice\n    at Object.fn (/work/flows.ts:22:26)';
    assert.equal(failureType({ message: 'input checked twice', stackTrace }), 'TypeError');
    assert.equal(failureType({ message: 'x', applicationFailureInfo: { type: 'RangeError' } }), 'RangeError');
    assert.equal(failureType({ message: 'other', stackTrace }), undefined);
  });

  test('update failures become Baton errors with their HTTP status; none is a bare 500', { timeout: 5_000 }, () => {
    const failed = (failure: ApplicationFailure) => new WorkflowUpdateFailedError('Workflow Update failed', failure);
    const ctx = { flowRunId: 'run-1', key: 'ship' };
    const cases: [unknown, number, RegExp][] = [
      [failed(ApplicationFailure.create({ type: 'TypeError', message: 'schema broke' })), 400, /the flow's check of the input failed: TypeError: schema broke/],
      [failed(ApplicationFailure.create({ type: 'ConflictError', message: "approval 'ship' was already decided" })), 409, /already decided/],
      [failed(ApplicationFailure.create({ type: 'NotFoundError', message: "no approval 'ship' is pending" })), 404, /no approval 'ship'/],
      [failed(ApplicationFailure.nonRetryable('No registered handler for update: baton.decide')), 409, /run-1 takes no approvals/],
      [
        Object.assign(new Error('8 RESOURCE_EXHAUSTED: too many'), { code: 8, details: 'too many outstanding updates', metadata: {} }),
        503,
        /Temporal cannot take the decision on flow run run-1 now: too many outstanding updates/,
      ],
      [new Error('something odd'), 409, /run-1 could not take the decision on 'ship': something odd/],
    ];
    for (const [err, status, message] of cases) {
      const reply = errorResponse(decisionError(err, ctx));
      assert.equal(reply.status, status, reply.body.error.message);
      assert.match(reply.body.error.message, message);
    }
    assert.equal(errorResponse(new WorkerUnavailableError('no worker', 'run-1')).status, 503);
    assert.equal(errorResponse(new WorkerUnavailableError('no worker', 'run-1')).body.error.code, 'WORKER_UNAVAILABLE');
  });
});
