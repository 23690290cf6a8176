import { executeChild, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../raw/activities';
const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function chunk(from: number, to: number, inflight: number): Promise<number> {
  let next = from;
  let done = 0;
  const lane = async () => {
    while (next < to) {
      const i = next++;
      await noop(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, to - from) }, lane));
  return done;
}

export async function big(n: number, size: number, parallel: number, inflight: number): Promise<number> {
  const bounds: [number, number][] = [];
  for (let f = 0; f < n; f += size) bounds.push([f, Math.min(n, f + size)]);
  let next = 0;
  let total = 0;
  const lane = async () => {
    while (next < bounds.length) {
      const k = next++;
      total += await executeChild(chunk, { args: [bounds[k]![0], bounds[k]![1], inflight] });
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return total;
}
