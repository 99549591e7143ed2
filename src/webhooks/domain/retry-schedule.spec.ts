import fc from 'fast-check';
import { DomainError } from '../../common/domain-error.js';
import { MAX_WEBHOOK_AGE_MS, MAX_WEBHOOK_RETRIES, nextAttemptDelayMs, nominalDelayMs } from './retry-schedule.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const noJitter = () => 0.5;

/** All waits of one delivery that keeps failing, drawing jitter from `randoms` in turn. */
function schedule(randoms: number[]): number[] {
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 1000; attempt++) {
    const delay = nextAttemptDelayMs(attempt, () => randoms[(attempt - 1) % randoms.length]);
    if (delay === null) return delays;
    delays.push(delay);
  }
  throw new Error('the schedule never gave up');
}

describe('nextAttemptDelayMs', () => {
  it('waits 30 s, 1 min, 2 min, 4 min … after each failure, doubling', () => {
    expect([1, 2, 3, 4, 5].map((a) => nextAttemptDelayMs(a, noJitter))).toEqual([30 * SECOND, MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
  });

  it('never waits more than six hours between two attempts (before jitter)', () => {
    expect(nextAttemptDelayMs(11, noJitter)).toBe(6 * HOUR);
    expect(nextAttemptDelayMs(MAX_WEBHOOK_RETRIES, noJitter)).toBe(6 * HOUR);
  });

  it('moves each wait by at most 20 % either way', () => {
    expect(nextAttemptDelayMs(1, () => 0)).toBe(24 * SECOND);
    expect(nextAttemptDelayMs(1, () => 0.999999)).toBe(36 * SECOND);
    expect(nextAttemptDelayMs(12, () => 0)).toBe(4.8 * HOUR);
  });

  it('treats a random source outside [0, 1) as the nearest edge', () => {
    expect(nextAttemptDelayMs(1, () => -3)).toBe(24 * SECOND);
    expect(nextAttemptDelayMs(1, () => 7)).toBe(36 * SECOND);
  });

  it('gives up after 18 retries, which end within three days even with the longest jitter', () => {
    expect(MAX_WEBHOOK_RETRIES).toBe(18);
    expect(nextAttemptDelayMs(18, noJitter)).not.toBeNull();
    expect(nextAttemptDelayMs(19, noJitter)).toBeNull();
    expect(nextAttemptDelayMs(1_000_000, noJitter)).toBeNull();
    const longest = schedule([0.999999]);
    expect(longest.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_WEBHOOK_AGE_MS);
    expect(MAX_WEBHOOK_AGE_MS).toBe(72 * HOUR);
  });

  it('keeps retrying for more than two days when the receiver stays down', () => {
    expect(schedule([0.5]).reduce((a, b) => a + b, 0)).toBeGreaterThan(48 * HOUR);
  });

  it('refuses an attempt number that is not a whole number from 1', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) expect(() => nextAttemptDelayMs(attempt, noJitter)).toThrow(DomainError);
  });
});

describe('the retry schedule (properties)', () => {
  const randoms = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 30 });

  it('every wait is positive and within 20 % of its nominal value', () => {
    fc.assert(
      fc.property(randoms, (rs) => {
        schedule(rs).forEach((delay, i) => {
          expect(delay).toBeGreaterThan(0);
          expect(Math.abs(delay - nominalDelayMs(i + 1))).toBeLessThanOrEqual(0.2 * nominalDelayMs(i + 1) + 1);
        });
      }),
    );
  });

  it('waits roughly increase: never shorter than two thirds of the previous wait', () => {
    fc.assert(
      fc.property(randoms, (rs) => {
        const delays = schedule(rs);
        for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(Math.floor((delays[i - 1] * 0.8) / 1.2));
      }),
    );
  });

  it('all waits of one delivery add up to at most three days, whatever the jitter', () => {
    fc.assert(
      fc.property(randoms, (rs) => {
        const delays = schedule(rs);
        expect(delays).toHaveLength(MAX_WEBHOOK_RETRIES);
        expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_WEBHOOK_AGE_MS);
      }),
    );
  });
});
