import { DomainError } from './domain-error.js';
import { MAX_INT4, VersionPipe } from './version.pipe.js';

describe('version numbers in paths', () => {
  const pipe = new VersionPipe();
  const read = (value: string) => pipe.transform(value, { type: 'param', data: 'version' });

  it('reads whole numbers from 1 to the largest integer PostgreSQL stores', () => {
    expect(read('1')).toBe(1);
    expect(read('0042')).toBe(42);
    expect(read(String(MAX_INT4))).toBe(MAX_INT4);
  });

  it.each(['abc', '1.5', '0', '-1', '', ' 1', '1e3', '2147483648', '99999999999999999999'])('refuses %p naming version', (value) => {
    expect(() => read(value)).toThrow(DomainError);
    try {
      read(value);
    } catch (err) {
      expect((err as DomainError).errors).toEqual([{ field: 'version', message: `must be a whole number from 1 to ${MAX_INT4}` }]);
    }
  });
});
