import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { exponentialBackoff, NonRetryableError, RetryAfterError } from '../src';
import { MAX_RETRY_DELAY_SECONDS, retryDelaySeconds, stopReason } from '../src/activities/retry-decision';

class QuotaError extends Error {
  override name = 'QuotaError';
}

describe('the retry decision (pure)', { timeout: 10_000 }, () => {
  test('what stops retries, in order', () => {
    const spec = { retries: 2 };
    assert.equal(stopReason(new Error('x'), 1, spec, {}), undefined);
    assert.equal(stopReason(new Error('x'), 2, spec, {}), undefined);
    assert.equal(stopReason(new Error('x'), 3, spec, {}), 'all 2 retries used');
    assert.equal(stopReason(new Error('x'), 1, { retries: 0 }, {}), 'no retries');
    assert.equal(stopReason(new NonRetryableError('no'), 1, spec, {}), 'NonRetryableError');
    assert.equal(stopReason(ApplicationFailure.nonRetryable('no'), 1, spec, {}), 'non-retryable');
    assert.equal(stopReason(new QuotaError('q'), 1, spec, { nonRetryableErrors: ['QuotaError'] }), 'QuotaError never retries');
    assert.equal(stopReason(new QuotaError('q'), 1, spec, { nonRetryableErrors: [QuotaError] }), 'QuotaError never retries');
    assert.equal(stopReason(new Error('q'), 1, spec, { nonRetryableErrors: [QuotaError] }), undefined);
  });

  test('the delay: RetryAfterError, then the schedule, with jitter, always finite and bounded', () => {
    assert.equal(retryDelaySeconds(new Error('x'), 1, {}), 0);
    assert.equal(retryDelaySeconds(new Error('x'), 2, { retryDelaySeconds: [1, 10, 60] }), 10);
    assert.equal(retryDelaySeconds(new Error('x'), 9, { retryDelaySeconds: [1, 10, 60] }), 60, 'the last delay repeats');
    assert.equal(retryDelaySeconds(new RetryAfterError('later', 7), 1, { retryDelaySeconds: 1 }), 7);
    assert.equal(retryDelaySeconds(new RetryAfterError('later'), 1, { retryDelaySeconds: 3 }), 3, 'no delay: the schedule');
    assert.equal(retryDelaySeconds(new RetryAfterError('later', Number.NaN), 1, { retryDelaySeconds: 3 }), 3);
    assert.equal(retryDelaySeconds(new RetryAfterError('later', -1), 1, { retryDelaySeconds: 3 }), 3);
    assert.equal(
      retryDelaySeconds(new Error('x'), 1, { retryDelaySeconds: 10, retryJitterFactor: 0.5 }, () => 0.5),
      12.5,
    );
    assert.equal(retryDelaySeconds(new RetryAfterError('later', Number.POSITIVE_INFINITY), 1, {}), 0, 'an infinite ask is no delay');
    assert.equal(retryDelaySeconds(new RetryAfterError('later', 10 ** 12), 1, {}), MAX_RETRY_DELAY_SECONDS);
    assert.equal(retryDelaySeconds(new Error('x'), 3, { retryDelaySeconds: exponentialBackoff({ baseSeconds: 1, factor: 2, maxSeconds: 3 }) }), 3);
  });
});
