import { LINGER_STEP_MS, lingerWait, streamIdMs } from './drain-linger.js';

describe('lingerWait', () => {
  const s = { minBatch: 1000, lingerMs: 200 };

  it('stores at once what is empty, a full chunk, or anything when lingering is off', () => {
    expect(lingerWait(0, 1_000, 1_000, 0, s)).toBe(0);
    expect(lingerWait(1000, 1_000, 1_000, 0, s)).toBe(0);
    expect(lingerWait(1500, 1_000, 1_000, 0, s)).toBe(0);
    expect(lingerWait(10, 1_000, 1_000, 0, { minBatch: 1000, lingerMs: 0 })).toBe(0);
  });

  it('waits in short steps while the oldest hit is younger than the linger time', () => {
    expect(lingerWait(10, 1_000, 1_000, 0, s)).toBe(LINGER_STEP_MS);
    expect(lingerWait(999, 1_000, 1_190, 0, s)).toBe(10);
  });

  it('never keeps the oldest hit waiting past the linger time', () => {
    expect(lingerWait(10, 1_000, 1_200, 0, s)).toBe(0);
    expect(lingerWait(10, 1_000, 5_000, 0, s)).toBe(0);
  });

  it('bounds the wait by its own clock when the buffer clock is ahead or the id has no time', () => {
    expect(lingerWait(10, 60_000, 1_000, 0, s)).toBe(LINGER_STEP_MS);
    expect(lingerWait(10, 60_000, 1_000, 190, s)).toBe(10);
    expect(lingerWait(10, 60_000, 1_000, 200, s)).toBe(0);
    expect(lingerWait(10, NaN, 1_000, 200, s)).toBe(0);
    expect(lingerWait(10, NaN, 1_000, 0, s)).toBe(LINGER_STEP_MS);
  });
});

describe('streamIdMs', () => {
  it('reads the time part of a stream entry id', () => {
    expect(streamIdMs('1764004100123-7')).toBe(1764004100123);
    expect(streamIdMs('1764004100123')).toBe(1764004100123);
    expect(streamIdMs('junk-1')).toBeNaN();
  });
});
