import { DomainError } from './domain-error.js';
import { decodeCursor, encodeCursor } from './pagination.js';

describe('list cursors', () => {
  const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof DomainError ? err.errors : err;
    }
    return 'accepted';
  };

  it('gives back the sort key of a cursor this service wrote', () => {
    const key = ['2026-03-02T10:00:00.000Z', '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'];
    expect(decodeCursor(encodeCursor(key), ['timestamp', 'uuid'])).toEqual(key);
    expect(decodeCursor(encodeCursor(['2026-03-02T10:00:00.123456Z', 'event', '42']), ['timestamp', 'text', 'text'])).toHaveLength(3);
    expect(decodeCursor(encodeCursor(['2026-03-02T10:00:00.123456Z', 'a'.repeat(64)]), ['timestamp', 'sha256'])).toHaveLength(2);
    expect(decodeCursor(encodeCursor([7]), ['integer'])).toEqual([7]);
    expect(decodeCursor(undefined, ['timestamp', 'uuid'])).toBeNull();
  });

  it.each([
    ['words where the instant and id go', ['x', 'y']],
    ['a date that does not exist', ['9999-99-99', '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']],
    ['30 February', ['2026-02-30T00:00:00.000Z', '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']],
    ['numbers', [1, 2]],
    ['an id that is not a UUID', ['2026-03-02T10:00:00.000Z', 'abc']],
    ['too few items', ['2026-03-02T10:00:00.000Z']],
    ['an object', { at: '2026-03-02T10:00:00.000Z' }],
  ])('refuses %s naming the cursor', (_name, key) => {
    expect(refusal(() => decodeCursor(cursor(key), ['timestamp', 'uuid']))).toEqual([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
  });

  it('refuses text with a NUL character, a fraction for an integer, and what is not base64 JSON', () => {
    expect(refusal(() => decodeCursor(cursor(['2026-03-02T10:00:00Z', 'event', 'a\u0000']), ['timestamp', 'text', 'text']))).not.toBe('accepted');
    expect(refusal(() => decodeCursor(cursor([1.5]), ['integer']))).not.toBe('accepted');
    expect(refusal(() => decodeCursor('not a cursor!', ['integer']))).not.toBe('accepted');
  });
});
