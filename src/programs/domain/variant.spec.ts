import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { pickVariant } from './variant.js';

describe('pickVariant', () => {
  const ab = [{ weight: 1 }, { weight: 1 }];

  it('always gives one enrollment the same variant of a step', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom('welcome', 'reminder'), (id, step) => {
        expect(pickVariant(id, step, ab)).toEqual(pickVariant(id, step, ab));
      }),
    );
  });

  it('splits enrollments roughly by weight', () => {
    const weighted = [{ weight: 3 }, { weight: 1 }];
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) counts[pickVariant(randomUUID(), 'welcome', weighted).index]++;
    // 3:1 → about 3,000 A and 1,000 B; far outside these bounds would mean a broken split.
    expect(counts[0]).toBeGreaterThan(2800);
    expect(counts[0]).toBeLessThan(3200);
  });

  it('labels variants A, B, C… and only picks variants that exist', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 2, maxLength: 5 }), (id, weights) => {
        const { index, label } = pickVariant(id, 'step', weights.map((weight) => ({ weight })));
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(weights.length);
        expect(label).toBe('ABCDE'[index]);
      }),
    );
  });
});
