// The benchmark workloads written directly with the Temporal SDK, as a Temporal user would.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
export const go = defineSignal('go');

export async function rawOneTask(): Promise<number> {
  return noop(1);
}

export async function rawChain(n: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < n; i++) last = await noop(i);
  return last;
}

export async function rawMap(n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => noop(i)));
  return results.length;
}

export async function rawTen(): Promise<number> {
  for (let i = 0; i < 10; i++) await noop(i);
  return 10;
}

export async function rawWait(): Promise<string> {
  let released = false;
  setHandler(go, () => {
    released = true;
  });
  await condition(() => released);
  return 'approve';
}
