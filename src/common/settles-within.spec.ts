import { settlesWithin } from './settles-within.js';

describe('settlesWithin', () => {
  const after = <T>(ms: number, value: T, fail = false) =>
    new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

  it('is true for work done in time, and leaves no timer behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(await settlesWithin(after(5, 'ok'), 1000)).toBe(true);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });

  it('throws a failure within the time', async () => {
    await expect(settlesWithin(after(5, 'refused', true), 1000)).rejects.toThrow('refused');
  });

  it('is false once the time runs out, and a later failure goes unreported', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect(await settlesWithin(after(50, 'late', true), 5)).toBe(false);
      await after(80, null);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
