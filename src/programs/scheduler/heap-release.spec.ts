import fc from 'fast-check';
import { BurstHeapRelease, fullCollection } from './heap-release.js';

describe('BurstHeapRelease', () => {
  it('collects once, on the first idle tick after a burst of at least the threshold', () => {
    let collections = 0;
    const heap = new BurstHeapRelease(1000, () => collections++);
    expect(heap.afterTick(600)).toBe(false);
    expect(heap.afterTick(0)).toBe(false); // 600 so far: not a burst
    expect(heap.afterTick(500)).toBe(false);
    expect(heap.afterTick(0)).toBe(true); // 1,100 since the last collection
    expect(heap.afterTick(0)).toBe(false);
    expect(collections).toBe(1);
  });

  it('never collects while work is running, and collects after every burst (model)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 700 })), { maxLength: 60 }), fc.integer({ min: 1, max: 2000 }), (ticks, min) => {
        const calls: number[] = [];
        const heap = new BurstHeapRelease(min, () => calls.push(1));
        let pending = 0;
        let collections = 0;
        for (const ran of ticks) {
          const collected = heap.afterTick(ran);
          if (ran > 0) {
            expect(collected).toBe(false);
            pending += ran;
          } else {
            expect(collected).toBe(pending >= min);
            if (collected) {
              pending = 0;
              collections++;
            }
          }
        }
        expect(calls.length).toBe(collections);
      }),
    );
  });

  it('runs a real full collection without --expose-gc, and can run again', () => {
    expect(() => {
      fullCollection();
      fullCollection();
    }).not.toThrow();
  });
});
