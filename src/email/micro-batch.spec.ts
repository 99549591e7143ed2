import { MicroBatch } from './micro-batch.js';

describe('MicroBatch', () => {
  it('answers calls made together with one run, each caller with its own result', async () => {
    const runs: number[][] = [];
    const batch = new MicroBatch(async (keys: number[]) => (runs.push(keys), keys.map((k) => k * 10)), 5);
    const results = await Promise.all([1, 2, 3].map((k) => batch.call(k)));
    expect(results).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('runs at once when the batch is full, and again for later calls', async () => {
    const runs: number[][] = [];
    const batch = new MicroBatch(async (keys: number[]) => (runs.push(keys), keys), 10, 2);
    await Promise.all([batch.call(1), batch.call(2)]);
    await batch.call(3);
    expect(runs[0]).toEqual([1, 2]);
    expect(runs[1]).toEqual([3]);
  });

  it('gives every caller in the batch the error of a failed run', async () => {
    const batch = new MicroBatch<number, number>(async () => Promise.reject(new Error('database away')), 1);
    const outcomes = await Promise.allSettled([batch.call(1), batch.call(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });
});
