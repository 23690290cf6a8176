import { metricMeter } from '@temporalio/workflow';

/**
 * A counting semaphore for flows: at most `limit` jobs run at once, started in call order.
 * Sandbox-safe. A named limiter counts each job that had to wait (`baton_limit_waits`).
 */
export class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly name?: string,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.name) metricMeter.createCounter('baton_limit_waits', 'waits', 'Jobs that waited for a concurrency limit, by limit').add(1, { limit: this.name });
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
