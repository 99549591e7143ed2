import { describeDurationProblem, parseFixedDuration } from './iso-duration.js';

const H = 3_600_000;

describe('cap windows as ISO-8601 durations', () => {
  it.each([
    ['P7D', 168 * H],
    ['P1W', 168 * H],
    ['PT12H', 12 * H],
    ['P1DT12H', 36 * H],
    ['PT30M', H / 2],
    ['PT90S', 90_000],
  ])('reads %s', (text, ms) => {
    expect(parseFixedDuration(text)).toBe(ms);
    expect(describeDurationProblem(text)).toBeNull();
  });

  it.each(['', 'P', 'PT', 'P1DT', 'P0D', '7D', 'p7d', 'P7', 'P-1D', 'P1.5D', 'one week'])('refuses %j', (text) => {
    expect(parseFixedDuration(text)).toBeNull();
    expect(describeDurationProblem(text)).toMatch(/ISO-8601 duration/);
  });

  it('explains that months and years have no fixed length', () => {
    expect(parseFixedDuration('P1M')).toBeNull();
    expect(describeDurationProblem('P1M')).toMatch(/no fixed length/);
    expect(describeDurationProblem('P1Y2M')).toMatch(/no fixed length/);
    expect(describeDurationProblem('PT1M')).toBeNull();
  });
});
