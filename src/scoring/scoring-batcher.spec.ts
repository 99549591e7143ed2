import { jest } from '@jest/globals';
import fc from 'fast-check';
import type { LeadScoringService, ScoringResult } from './lead-scoring.service.js';
import { LINGER_MS, MAX_BATCH_LEADS, PARALLEL_BATCHES, ScoringBatcher, START_BATCH_LEADS } from './scoring-batcher.js';

/** A scoring service whose transactions finish when the test says so. */
class FakeScoring {
  readonly calls: string[][] = [];
  private readonly finish: ((r: ScoringResult) => void)[] = [];
  private readonly fail: ((e: unknown) => void)[] = [];
  lockedElsewhere: string[] = [];

  scorePending(leadIds: string[]): Promise<ScoringResult> {
    this.calls.push(leadIds);
    return new Promise((resolve, reject) => {
      this.finish.push(resolve);
      this.fail.push(reject);
    });
  }
  get open(): number {
    return this.finish.length;
  }
  complete(): void {
    const ids = this.calls[this.calls.length - this.finish.length];
    this.fail.shift();
    this.finish.shift()!({ leads: ids.length, events: ids.length, promotions: 0, lockedElsewhere: this.lockedElsewhere });
  }
  crash(err: Error): void {
    this.finish.shift();
    this.fail.shift()!(err);
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const lingered = () => new Promise((r) => setTimeout(r, LINGER_MS + 15));
const batcherOn = (fake: FakeScoring) => new ScoringBatcher(fake as unknown as LeadScoringService);

describe('scoring batcher (group commit of scoring jobs)', () => {
  it('lets a small batch wait briefly for company, then scores the jobs that arrived meanwhile in one transaction', async () => {
    const fake = new FakeScoring();
    const b = batcherOn(fake);
    const first = [b.score(['a']), b.score(['b', 'a'])];
    expect(fake.calls).toEqual([]);
    await lingered();
    expect(fake.calls).toEqual([['a', 'b']]); // one transaction, each lead once
    const second = b.score(['c']);
    await lingered();
    expect(fake.calls).toHaveLength(PARALLEL_BATCHES); // a free slot takes the next batch
    // Every slot busy: jobs keep gathering until one frees up.
    const later = [b.score(['c', 'd']), b.score(['d', 'e']), b.score(['f'])];
    await lingered();
    expect(fake.calls).toHaveLength(PARALLEL_BATCHES);
    fake.complete();
    await Promise.all(first);
    await tick();
    expect(fake.calls[2]).toEqual(['c', 'd', 'e', 'f']);
    fake.complete();
    fake.complete();
    await second;
    const results = await Promise.all(later);
    expect(results.every((r) => r.leads === 4)).toBe(true);
  });

  it('starts a batch at once when it is big enough', () => {
    const fake = new FakeScoring();
    const b = batcherOn(fake);
    void b.score(Array.from({ length: START_BATCH_LEADS }, (_, i) => `l${i}`));
    expect(fake.calls).toHaveLength(1);
    fake.complete();
  });

  it('never runs more transactions at once than its slots, and never scores a batch above the size limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 3 * MAX_BATCH_LEADS }), { maxLength: 600 }), { minLength: 1, maxLength: 12 }), async (jobs) => {
        const fake = new FakeScoring();
        const b = batcherOn(fake);
        let settled = false;
        const done = Promise.all(jobs.map((ids) => b.score(ids.map(String)))).finally(() => {
          settled = true;
        });
        let maxOpen = 0;
        while (!settled) {
          maxOpen = Math.max(maxOpen, fake.open);
          if (fake.open) fake.complete();
          else await new Promise((r) => setTimeout(r, 5));
          await tick();
        }
        await done;
        expect(maxOpen).toBeLessThanOrEqual(PARALLEL_BATCHES);
        expect(fake.calls.every((c) => c.length <= MAX_BATCH_LEADS && new Set(c).size === c.length)).toBe(true);
        const scored = new Set(fake.calls.flat());
        expect(jobs.flat().every((id) => scored.has(String(id)))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('fails the jobs of a failed batch (BullMQ retries them) and keeps serving later ones', async () => {
    const fake = new FakeScoring();
    const b = batcherOn(fake);
    const a = b.score(['a']);
    await lingered();
    const c = b.score(['c']);
    await lingered();
    fake.crash(new Error('deadlock'));
    await expect(a).rejects.toThrow('deadlock');
    fake.complete();
    await expect(c).resolves.toMatchObject({ leads: 1 });
    const d = b.score(['d']);
    await lingered();
    fake.complete();
    await expect(d).resolves.toMatchObject({ leads: 1 });
  });

  it('looks again shortly at leads another process held locked', async () => {
    jest.useFakeTimers();
    try {
      const fake = new FakeScoring();
      const b = batcherOn(fake);
      fake.lockedElsewhere = ['x'];
      const job = b.score(['x', 'y']);
      jest.advanceTimersByTime(LINGER_MS);
      fake.complete();
      await job;
      fake.lockedElsewhere = [];
      jest.advanceTimersByTime(1000);
      expect(fake.calls).toEqual([['x', 'y'], ['x']]);
      fake.complete();
    } finally {
      jest.useRealTimers();
    }
  });
});
