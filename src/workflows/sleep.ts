/**
 * `sleep(seconds)`: a durable timer for flows. The wait is kept by Temporal, not by a worker: a
 * flow sleeping for a day holds no worker slot and survives restarts, and on replay the timer is
 * not waited again. Sandbox-safe.
 *
 * @example
 * await sendReminder(user);
 * await sleep(24 * 60 * 60); // a day later, even across deploys
 */
import { sleep as temporalSleep } from '@temporalio/workflow';
import { BatonError } from '../core/errors';

/** Waits `seconds` (fractions allowed, 0 returns at the next workflow task) as a Temporal timer. */
export async function sleep(seconds: number): Promise<void> {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new BatonError(`sleep(seconds): seconds must be a finite number ≥ 0, got ${String(seconds)}`);
  }
  await temporalSleep(seconds * 1000);
}
