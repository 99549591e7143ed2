import fc from 'fast-check';
import { uuidv7 } from './uuid-v7.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Unix ms from 1970 to the year 10889, all that 48 bits hold
const epochMs = fc.integer({ min: 0, max: 2 ** 48 - 1 });

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID whose first 48 bits are the time in ms', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const id = uuidv7(ms);
        expect(id).toMatch(UUID_V7);
        expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
      }),
    );
    expect(uuidv7(Date.UTC(2026, 10, 24, 3, 0, 0, 5)).slice(0, 13)).toBe('01a20b7e-f785');
  });

  it('sorts by time: an id of a later millisecond is greater, as text and as PostgreSQL compares uuids', () => {
    fc.assert(
      fc.property(epochMs, epochMs, (a, b) => {
        fc.pre(a !== b);
        const [x, y] = [uuidv7(a), uuidv7(b)];
        expect(x < y).toBe(a < b);
      }),
    );
  });

  it('keeps 74 random bits: 100,000 ids of one millisecond are distinct and spread over the random part', () => {
    const ids = Array.from({ length: 100_000 }, () => uuidv7(1_764_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    // every hex digit of the last group appears about equally often (a stuck byte would skew it)
    const counts = new Map<string, number>();
    for (const id of ids) for (const c of id.slice(24)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(Math.abs(n / (ids.length * 12) - 1 / 16)).toBeLessThan(0.01);
  });
});
