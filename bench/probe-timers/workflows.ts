// A chain of short durable timers: each one fires through the history service's timer queue.
import { sleep } from '@temporalio/workflow';

export async function timerChain(n: number, ms: number): Promise<number> {
  for (let i = 0; i < n; i++) await sleep(ms);
  return n;
}
