import fc from 'fast-check';
import { needsAnalyze } from './work-table-analyze.js';

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
