import fc from 'fast-check';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('gives every caller its own output, whatever the batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 3 }), async (inputs, maxBatch, parallel) => {
        const sizes: number[] = [];
        const b = new Batcher<number, string>(async (xs) => {
          sizes.push(xs.length);
          await new Promise((r) => setTimeout(r, 1));
          return xs.map((x) => `v${x}`);
        }, maxBatch, parallel);
        const outputs = await Promise.all(inputs.map((x) => b.submit(x)));
        expect(outputs).toEqual(inputs.map((x) => `v${x}`));
        expect(sizes.every((n) => n <= maxBatch)).toBe(true);
        expect(sizes.reduce((s, n) => s + n, 0)).toBe(inputs.length);
      }),
      { numRuns: 50 },
    );
  });

  it('serves calls made in one turn with one batch, and calls made while batches run with the next', async () => {
    const sizes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher<number, number>(async (xs) => {
      sizes.push(xs.length);
      await gate;
      return xs;
    }, 100, 1);
    const first = [1, 2, 3].map((x) => b.submit(x));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((x) => b.submit(x));
    release();
    expect(await Promise.all([...first, ...second])).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([3, 2]);
  });

  it('fails every call of a failing batch, and later batches still run', async () => {
    let fail = true;
    const b = new Batcher<number, number>(async (xs) => {
      if (fail) throw new Error('database down');
      return xs;
    });
    await expect(Promise.all([b.submit(1), b.submit(2)])).rejects.toThrow('database down');
    fail = false;
    await expect(b.submit(3)).resolves.toBe(3);
  });

  it('answers calls made together with one run, each caller with its own result', async () => {
    const runs: number[][] = [];
    const batch = new Batcher(async (keys: number[]) => (runs.push(keys), keys.map((k) => k * 10)));
    const results = await Promise.all([1, 2, 3].map((k) => batch.submit(k)));
    expect(results).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('runs at most maxBatch inputs at once, and again for later calls', async () => {
    const runs: number[][] = [];
    const batch = new Batcher(async (keys: number[]) => (runs.push(keys), keys), 2);
    await Promise.all([batch.submit(1), batch.submit(2)]);
    await batch.submit(3);
    expect(runs[0]).toEqual([1, 2]);
    expect(runs[1]).toEqual([3]);
  });

  it('gives every caller in the batch the error of a failed run', async () => {
    const batch = new Batcher<number, number>(async () => Promise.reject(new Error('database away')));
    const outcomes = await Promise.allSettled([batch.submit(1), batch.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('with a linger, serves calls spread over a few milliseconds with one batch', async () => {
    const runs: number[][] = [];
    const batch = new Batcher(async (keys: number[]) => (runs.push(keys), keys), 3, 2, 200);
    const first = batch.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = batch.submit(2);
    expect(runs).toEqual([]);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(runs).toEqual([[1, 2]]);
  });

  it('sends a full batch at once, without waiting out the linger', async () => {
    const runs: number[][] = [];
    // A linger far beyond the test's timeout: the full batch can only resolve by being sent at once.
    const batch = new Batcher(async (keys: number[]) => (runs.push(keys), keys), 3, 2, 600_000);
    expect(await Promise.all([4, 5, 6].map((k) => batch.submit(k)))).toEqual([4, 5, 6]);
    expect(runs).toEqual([[4, 5, 6]]);
  });

  it('drain runs what waits at once, without the linger, and returns when every call has its output', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>(async (xs) => {
      sizes.push(xs.length);
      await new Promise((r) => setTimeout(r, 5));
      return xs;
    }, 2, 1, 60_000);
    const outputs: number[] = [];
    const calls = [1, 2, 3, 4, 5].map((x) => b.submit(x).then((y) => void outputs.push(y)));
    await b.drain();
    expect(outputs.sort()).toEqual([1, 2, 3, 4, 5]); // all answered before drain returned, a minute's linger notwithstanding
    expect(sizes).toEqual([2, 2, 1]);
    await Promise.all(calls);
    await b.drain(); // nothing left: returns at once
  });
});

