import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ApplicationFailure, DefaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { build } from 'esbuild';
import { ServiceError } from '@temporalio/client';
import { errorResponse } from '../src/api/errors';
import * as errors from '../src/core/errors';
import {
  AgentLimitError,
  BatonError,
  CacheUnavailableError,
  RunLogsUnavailableError,
  ConfigError,
  ConflictError,
  errorDetail,
  FlowRunFailedError,
  FlowTimeoutError,
  ForbiddenError,
  MethodNotAllowedError,
  NonRetryableError,
  NotFoundError,
  ParameterValidationError,
  PayloadDecryptionError,
  rebuildBatonError,
  RetryAfterError,
  SecretNotFoundError,
  TaskFailedError,
  TaskTimeoutError,
  TemporalUnavailableError,
  UnauthorizedError,
  ValidationError,
  WaitTimeoutError,
  WorkerUnavailableError,
} from '../src/core/errors';
import { ROOT } from './helpers';

const TEST_TIMEOUT = { timeout: 30_000 };

/** Every exported error class, found by walking the module, so a new class cannot be forgotten. */
const CLASSES = Object.entries(errors).filter((entry): entry is [string, typeof BatonError] => typeof entry[1] === 'function' && entry[1].prototype instanceof Error);

function taskFailed<T extends TaskFailedError>(error: T): T {
  error.errorName = 'TypeError';
  error.taskName = 'charge-card';
  error.attempts = 4;
  return error;
}

/** One instance of each class, every domain field set to something other than its default. */
const SAMPLES: BatonError[] = [
  new BatonError('something broke'),
  new NonRetryableError('bad input: no point retrying'),
  new RetryAfterError('rate limited', 2.5),
  new ValidationError('deployment', [{ path: 'schedules.0.cron', message: 'hour 25 is outside 0-23' }]),
  new ParameterValidationError("flow 'signup'", [
    { path: 'email', message: 'Invalid email address' },
    { path: 'age', message: 'Too small' },
  ]),
  new ConflictError('run already ended'),
  new UnauthorizedError('no API key'),
  new ForbiddenError('read-only key'),
  taskFailed(new TaskFailedError('card declined')),
  taskFailed(new TaskTimeoutError('task charge-card timed out after 5 s')),
  new WaitTimeoutError('nobody approved in time'),
  new FlowTimeoutError('the flow run did not finish within its timeout of 3 s', 3),
  new FlowRunFailedError('flow run r-1 ended TimedOut: too slow', 'r-1', 'TimedOut'),
  new ConfigError([{ path: 'BATON_PORT', message: 'must be a port number' }]),
  new TemporalUnavailableError('Temporal is unreachable'),
  new WorkerUnavailableError('no worker polls the flow run', 'r-2'),
  new CacheUnavailableError('the redis store did not answer within 5 s'),
  new RunLogsUnavailableError('the run log store (redis) did not answer within 5 s'),
  new AgentLimitError("agent 'weaver' stopped: 10 steps without a final answer", 'steps', 10, 4_200),
  new NotFoundError("no deployment named 'nightly'"),
  new MethodNotAllowedError('PUT is not allowed on /api/flow-runs/r-1 (it takes GET)', ['GET']),
  new PayloadDecryptionError("a payload is encrypted with key 'k1', which BATON_ENCRYPTION_KEYS does not hold (it holds: k2)"),
  new SecretNotFoundError("no secret named 'db-password'", 'db-password', ['environment variable BATON_SECRET_DB_PASSWORD', 'file /run/secrets/db-password']),
];

/** What a reader sees of an error: name, code, message and every own field. */
function shape(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, code: (error as BatonError).code, message: error.message };
  for (const key of Object.keys(error)) if (key !== 'stack' && key !== 'cause') out[key] = (error as unknown as Record<string, unknown>)[key];
  return out;
}

/** Encodes an error the way a task or flow fails with it, through Temporal's failure converter, and decodes it again. */
function overTheWire(error: BatonError): ApplicationFailure {
  const converter = new DefaultFailureConverter();
  const failure = ApplicationFailure.create({ message: error.message, type: error.name, details: [errorDetail(error)] });
  const proto = converter.errorToFailure(failure, defaultPayloadConverter);
  const { Failure } = temporal.api.failure.v1;
  const decoded = converter.failureToError(Failure.decode(Failure.encode(proto).finish()), defaultPayloadConverter);
  assert.ok(decoded instanceof ApplicationFailure);
  return decoded;
}

describe('error classes', () => {
  test('every class has a sample', TEST_TIMEOUT, () => {
    assert.deepEqual(new Set(SAMPLES.map((s) => s.name)), new Set(CLASSES.map(([name]) => name)));
  });

  test('each sample differs from a blank instance in every domain field, so a dropped field shows', TEST_TIMEOUT, () => {
    for (const sample of SAMPLES) {
      const blank = rebuildBatonError(sample.name, '', {})!;
      for (const key of Object.keys(sample)) {
        if (['name', 'code', 'stack'].includes(key)) continue;
        assert.notDeepEqual((blank as unknown as Record<string, unknown>)[key], (sample as unknown as Record<string, unknown>)[key], `${sample.name}.${key}`);
      }
    }
  });

  test('rebuildBatonError round-trips every class with every field through a failure', TEST_TIMEOUT, () => {
    for (const sample of SAMPLES) {
      const failure = overTheWire(sample);
      const detail = failure.details?.[0] as Record<string, unknown>;
      const rebuilt = rebuildBatonError(failure.type!, failure.message, detail);
      assert.ok(rebuilt, `${sample.name} was not rebuilt`);
      assert.deepEqual(shape(rebuilt), shape(sample), sample.name);
      assert.equal(Object.getPrototypeOf(rebuilt), Object.getPrototypeOf(sample), `${sample.name} came back as ${rebuilt.constructor.name}`);
    }
  });

  test('a task run count written as `failures` (the task runner) reads back as attempts', TEST_TIMEOUT, () => {
    const rebuilt = rebuildBatonError('TaskFailedError', 'x', { taskName: 'a', errorName: 'RangeError', failures: 3 }) as TaskFailedError;
    assert.deepEqual([rebuilt.taskName, rebuilt.errorName, rebuilt.attempts], ['a', 'RangeError', 3]);
  });

  test('malformed or missing fields keep the defaults; unknown types are not rebuilt', TEST_TIMEOUT, () => {
    const v = rebuildBatonError('ValidationError', 'm', { issues: 'nope', target: 7 }) as ValidationError;
    assert.deepEqual([v.issues, v.target, v.message], [[], '', 'm']);
    const r = rebuildBatonError('RetryAfterError', 'm', { delaySeconds: null }) as RetryAfterError;
    assert.equal(r.delaySeconds, undefined);
    assert.equal(rebuildBatonError('TypeError', 'm', {}), undefined);
  });

  test('Temporal refusing a query because no worker polls the queue is a 503 WORKER_UNAVAILABLE, never a 500', TEST_TIMEOUT, () => {
    // The shape the client SDK throws (as seen from a variables store left on a queue whose workers had stopped).
    const grpc = Object.assign(new Error('9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down'), {
      code: 9,
      details: 'no poller seen for task queue recently, worker may be down',
    });
    const err = new ServiceError('Failed to query Workflow: 9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down', { cause: grpc });
    const { status, body } = errorResponse(err);
    assert.equal(status, 503);
    assert.equal(body.error.code, 'WORKER_UNAVAILABLE');
    assert.match(body.error.message, /no worker polls the task queue/);
    const other = Object.assign(new Error('9 FAILED_PRECONDITION: something else'), { code: 9 });
    assert.equal(errorResponse(new ServiceError('Failed', { cause: other })).status, 500, 'other preconditions stay internal');
  });

  test('RetryAfterError without a usable delay leaves the delay to the task', TEST_TIMEOUT, () => {
    assert.equal(new RetryAfterError('m').delaySeconds, undefined);
    assert.equal(new RetryAfterError('m', Number.NaN).delaySeconds, undefined);
    assert.equal(new RetryAfterError('m', -1).delaySeconds, undefined);
    assert.equal(new RetryAfterError('m', 0).delaySeconds, 0);
  });

  test('names and codes survive minification (keepNames off)', TEST_TIMEOUT, async () => {
    const entry = `
      const errors = require(${JSON.stringify(path.join(ROOT, 'src', 'core', 'errors.ts'))});
      const blank = (C) => C === errors.FlowRunFailedError ? new C('m', 'r', 'Failed') : C === errors.ConfigError ? new C([]) : C === errors.ValidationError || C === errors.ParameterValidationError ? new C('t', []) : new C('m');
      module.exports = Object.entries(errors)
        .filter(([, C]) => typeof C === 'function' && C.prototype instanceof Error)
        .map(([exported, C]) => {
          const e = blank(C);
          const rebuilt = errors.rebuildBatonError(e.name, e.message, errors.errorDetail(e));
          return { exported, className: C.name, name: e.name, code: e.code, rebuilt: rebuilt ? rebuilt instanceof C && rebuilt.name : null };
        });
    `;
    const out = await build({
      stdin: { contents: entry, resolveDir: ROOT, loader: 'js', sourcefile: 'probe.js' },
      bundle: true,
      minify: true,
      keepNames: false,
      format: 'cjs',
      platform: 'node',
      write: false,
      logLevel: 'silent',
    });
    const mod = { exports: [] as { exported: string; className: string; name: string; code: string; rebuilt: string | false | null }[] };
    new Function('module', 'exports', 'require', out.outputFiles[0]!.text)(mod, mod.exports, require);
    const seen = mod.exports;
    assert.equal(seen.length, CLASSES.length);
    // The minifier did rename the classes, so the check below means something.
    assert.ok(
      seen.some((s) => s.className !== s.exported),
      `no class was renamed: ${seen.map((s) => s.className).join(', ')}`,
    );
    for (const s of seen) {
      const original = CLASSES.find(([name]) => name === s.exported)![1];
      assert.equal(s.name, s.exported, `${s.exported}.name after minifying`);
      assert.equal(s.code, original.code, `${s.exported}.code after minifying`);
      assert.equal(s.rebuilt, s.exported, `${s.exported} rebuilt after minifying`);
    }
  });
});
