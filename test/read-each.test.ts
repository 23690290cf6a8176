import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemDeadline, readEach } from '../src/client/visibility';

// How lists read their items: a bounded number at a time, in order, under one overall deadline.
describe('reading a listed page item by item', { timeout: 10_000 }, () => {
  test('answers in the page order, never more than `width` reads at once', async () => {
    let running = 0;
    let most = 0;
    const out = await readEach(
      [5, 1, 4, 2, 3, 0, 6, 7, 8, 9],
      async (n) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, n * 3));
        running--;
        return n * 10;
      },
      3,
    );
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0, 60, 70, 80, 90]);
    assert.equal(most, 3);
    assert.deepEqual(await readEach([], async () => 1), []);
    assert.deepEqual(await readEach([1, 2], async (n) => n, 0), [1, 2], 'a width below 1 still reads');
  });

  test('the first failure is thrown, and no read starts after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      readEach(
        [0, 1, 2, 3, 4, 5],
        async (n) => {
          started.push(n);
          await new Promise((r) => setTimeout(r, 5));
          if (n === 1) throw new Error('item 1 failed');
          return n;
        },
        2,
      ),
      /item 1 failed/,
    );
    // Long enough for every item to have started, had the reads gone on.
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(!started.includes(3), `started ${started.join(', ')}`);
  });

  test('each item gets its own deadline, never past the end of the whole read, and none once that has passed', () => {
    const now = Date.now();
    const soon = itemDeadline(now + 60_000, 3_000)!;
    assert.ok(soon >= now + 3_000 && soon <= Date.now() + 3_000);
    assert.equal(itemDeadline(now + 1_000, 3_000), now + 1_000);
    assert.equal(itemDeadline(now - 1, 3_000), undefined);
  });
});
