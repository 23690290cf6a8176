// The streaming benchmark's producer: chunks stamped with when they were streamed.
import { getRunContext, task } from '../../src';

/** Streams `n` chunks, one every `everyMs` ms (0: as fast as the stream takes them). */
export const produce = task({ name: 'bench-stream-produce' }, async (n: number, everyMs: number) => {
  const ctx = getRunContext();
  const started = Date.now();
  for (let i = 0; i < n; i++) {
    if (everyMs > 0) {
      // Paced against the start, so timer drift does not slow the producer down.
      const due = started + i * everyMs;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    await ctx.stream({ i, sentAt: Date.now() });
  }
  return n;
});
