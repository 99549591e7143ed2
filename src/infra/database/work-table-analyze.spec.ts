import fc from 'fast-check';
import { needsAnalyze, needsScoredAnalyze, SCORED_ANALYZE_MIN_AGE_MS } from './work-table-analyze.js';

describe('needsAnalyze (autovacuum rule for the work tables)', () => {
  it('analyzes a table never analyzed, whatever its activity', () => {
    expect(needsAnalyze({ analyzed: false, modifiedSinceAnalyze: 0, estimatedRows: -1 })).toBe(true);
    expect(needsAnalyze({ analyzed: false, modifiedSinceAnalyze: 0, estimatedRows: 1_000_000 })).toBe(true);
  });

  it('analyzes once more than 50 rows plus 10 % of the table changed', () => {
    expect(needsAnalyze({ analyzed: true, modifiedSinceAnalyze: 50, estimatedRows: 0 })).toBe(false);
    expect(needsAnalyze({ analyzed: true, modifiedSinceAnalyze: 51, estimatedRows: 0 })).toBe(true);
    expect(needsAnalyze({ analyzed: true, modifiedSinceAnalyze: 5_050, estimatedRows: 50_000 })).toBe(false);
    expect(needsAnalyze({ analyzed: true, modifiedSinceAnalyze: 5_051, estimatedRows: 50_000 })).toBe(true);
    // reltuples is -1 until the first vacuum or analyze: counts as an empty table.
    expect(needsAnalyze({ analyzed: true, modifiedSinceAnalyze: 51, estimatedRows: -1 })).toBe(true);
  });

  it('is monotone: more changes never turn a needed analyze into a skipped one, a bigger table never into a needed one', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.integer({ min: -1, max: 10_000_000 }), fc.nat(10_000_000), (m, extra, rows, more) => {
        const base = { analyzed: true, modifiedSinceAnalyze: m, estimatedRows: rows };
        if (needsAnalyze(base)) expect(needsAnalyze({ ...base, modifiedSinceAnalyze: m + extra })).toBe(true);
        if (!needsAnalyze(base)) expect(needsAnalyze({ ...base, estimatedRows: Math.max(rows, 0) + more })).toBe(false);
      }),
    );
  });
});

describe('needsScoredAnalyze (autovacuum rule for the scored tables, paced)', () => {
  const stale = { analyzed: true, modifiedSinceAnalyze: 10_000, estimatedRows: 50_000, liveRows: 52_000 };

  it('analyzes a table never analyzed at once', () => {
    expect(needsScoredAnalyze({ analyzed: false, modifiedSinceAnalyze: 0, estimatedRows: -1, liveRows: 0, msSinceAnalyze: null })).toBe(true);
  });

  it('waits a minute after the last analyze while the size stays within a factor of two', () => {
    expect(needsScoredAnalyze({ ...stale, msSinceAnalyze: 10_000 })).toBe(false);
    expect(needsScoredAnalyze({ ...stale, msSinceAnalyze: SCORED_ANALYZE_MIN_AGE_MS - 1 })).toBe(false);
    expect(needsScoredAnalyze({ ...stale, msSinceAnalyze: SCORED_ANALYZE_MIN_AGE_MS })).toBe(true);
  });

  it('analyzes at once a table whose size doubled or halved (plans made for the old size)', () => {
    expect(needsScoredAnalyze({ ...stale, liveRows: 100_001, msSinceAnalyze: 1_000 })).toBe(true);
    expect(needsScoredAnalyze({ ...stale, liveRows: 24_999, msSinceAnalyze: 1_000 })).toBe(true);
    expect(needsScoredAnalyze({ analyzed: true, modifiedSinceAnalyze: 200, estimatedRows: -1, liveRows: 200, msSinceAnalyze: 1_000 })).toBe(true);
  });

  it('never analyzes what autovacuum\'s rule would not', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.integer({ min: -1, max: 10_000_000 }), fc.nat(10_000_000), fc.option(fc.nat(10_000_000)), (m, rows, live, age) => {
        const t = { analyzed: age !== null, modifiedSinceAnalyze: m, estimatedRows: rows, liveRows: live, msSinceAnalyze: age };
        if (needsScoredAnalyze(t)) expect(needsAnalyze(t)).toBe(true);
        if (needsAnalyze(t) && (age === null || age >= SCORED_ANALYZE_MIN_AGE_MS)) expect(needsScoredAnalyze(t)).toBe(true);
      }),
    );
  });
});
