// The benchmark workloads written directly with the Temporal SDK, as a Temporal user would.
import { condition, defineSignal, executeChild, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
const { noop: noopLocal } = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
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

// The same workloads with local activities.
export async function rawChainLocal(n: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < n; i++) last = await noopLocal(i);
  return last;
}

export async function rawMapLocal(n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => noopLocal(i)));
  return results.length;
}

export async function rawTenLocal(): Promise<number> {
  for (let i = 0; i < 10; i++) await noopLocal(i);
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

/** One chunk of a large map, as its own workflow (Temporal caps pending activities per workflow). */
export async function rawMapChunk(from: number, to: number): Promise<number[]> {
  return Promise.all(Array.from({ length: to - from }, (_, i) => noop(from + i)));
}

/** The same chunk with local activities. */
export async function rawMapChunkLocal(from: number, to: number): Promise<number[]> {
  return Promise.all(Array.from({ length: to - from }, (_, i) => noopLocal(from + i)));
}

/** A large map the way a Temporal user writes it: child workflows of `chunk` items, `parallel` at a time. */
export async function rawBigMap(n: number, chunk: number, parallel: number, local = false): Promise<number> {
  const bounds: [number, number][] = [];
  for (let from = 0; from < n; from += chunk) bounds.push([from, Math.min(n, from + chunk)]);
  const results: number[][] = new Array(bounds.length);
  let next = 0;
  const lane = async () => {
    while (next < bounds.length) {
      const k = next++;
      results[k] = await executeChild(local ? rawMapChunkLocal : rawMapChunk, { args: bounds[k]! });
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return results.flat().length;
}
