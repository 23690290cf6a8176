/** Pure parts: run-name templates, argument binding, retry delays, cross-realm error marks. */
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { describe, test } from 'node:test';
import { parameterNames, task } from '../src/activities/task';
import { BatonError, NonRetryableError, TaskFailedError, TaskTimeoutError } from '../src/core/errors';
import { bindArguments, renderTemplate, strftime, templateFields } from '../src/core/run-name';
import { exponentialBackoff, retryDelayFor } from '../src/core/task-options';

describe('run-name templates', () => {
  const saturday = new Date('2026-11-21T09:05:03Z');
  test('strftime directives, in UTC', () => {
    assert.equal(
      strftime(saturday, '%A %a %B %b %Y-%m-%d %H:%M:%S %j %y %I%p %F %T %%'),
      'Saturday Sat November Nov 2026-11-21 09:05:03 325 26 09AM 2026-11-21 09:05:03 %',
    );
  });
  test('fields, dotted paths, formats and escaped braces', () => {
    assert.equal(
      renderTemplate('agent-{agentName}-on-{date:%A}-{user.id}-{{literal}}', { agentName: 'ada', date: saturday, user: { id: 7 } }),
      'agent-ada-on-Saturday-7-{literal}',
    );
    assert.equal(renderTemplate('at-{when:%H%M}', { when: '2026-11-21T13:45:00Z' }), 'at-1345');
    assert.deepEqual(templateFields('a-{x}-{y:%A}-{{z}}'), ['x', 'y']);
  });
  test('a field that names no parameter is an error naming it', () => {
    assert.throws(() => renderTemplate('run-{missing}', { present: 1 }), /refers to \{missing\}, which is not a parameter \(parameters: present\)/);
    assert.throws(() => renderTemplate('run-{n:%A}', { n: 'not a date' }), /needs a date/);
  });
  test('positional arguments bind to parameter names, object properties and indexes', () => {
    assert.deepEqual(bindArguments(['c-1', 3], ['customerId', 'count']), { customerId: 'c-1', count: 3, 0: 'c-1', 1: 3 });
    assert.equal(bindArguments([{ agentName: 'x' }], [])['agentName'], 'x');
  });
  test('parameter names come from the function source, however it was compiled', () => {
    assert.deepEqual(
      parameterNames(async (a: number, b = 2, ...rest: number[]) => a + b + rest.length),
      ['a', 'b', 'rest'],
    );
    assert.deepEqual(
      parameterNames(async function named(x: string) {
        return x;
      }),
      ['x'],
    );
    assert.deepEqual(
      parameterNames(({ a }: { a: number }) => a),
      [],
    );
    assert.deepEqual(parameterNames(new Function('return async(ms,label)=>ms')() as (...a: never[]) => unknown), ['ms', 'label']);
  });
});

describe('task options', () => {
  test('retry delays: a number, a list (the last repeats), exponential backoff with a cap', () => {
    assert.deepEqual(
      [1, 2, 3].map((r) => retryDelayFor(5, r)),
      [5, 5, 5],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((r) => retryDelayFor([1, 10, 60], r)),
      [1, 10, 60, 60],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((r) => retryDelayFor(exponentialBackoff({ baseSeconds: 2, maxSeconds: 10 }), r)),
      [2, 4, 8, 10],
    );
  });
  test('bad options fail at declaration, naming each field', () => {
    assert.throws(
      () => task({ name: 'bad', retries: -1, timeoutSeconds: 0, retryDelaySeconds: [1, -2] }, async () => 1),
      /invalid options for task bad: retries must be a whole number ≥ 0; retryDelaySeconds\[1\] must be a number ≥ 0; timeoutSeconds must be > 0/,
    );
  });
});

describe('errors', () => {
  test('instanceof works across realms through a global mark', () => {
    const err = new NonRetryableError('no');
    assert.ok(err instanceof NonRetryableError && err instanceof BatonError && err instanceof Error);
    assert.equal(err.code, 'NON_RETRYABLE');
    assert.equal(err.name, 'NonRetryableError');
    const timeout = new TaskTimeoutError('slow');
    assert.ok(timeout instanceof TaskFailedError && !(timeout instanceof NonRetryableError));
    // An object made in another V8 realm with the same mark passes the check.
    const foreign = vm.runInNewContext(`const e = new Error('x'); Object.defineProperty(e, Symbol.for('baton.error:NON_RETRYABLE'), { value: true }); e`);
    assert.ok(foreign instanceof NonRetryableError);
    assert.ok(!(new Error('plain') instanceof BatonError));
  });
});
