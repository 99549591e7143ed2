import type { EntityManager } from 'typeorm';
import { putReadAhead, takeReadAhead } from './transaction-read-ahead.js';

describe('transaction read-ahead', () => {
  const tx = () => ({}) as EntityManager;

  it('hands a value read ahead to the same transaction once; a second take finds nothing', () => {
    const m = tx();
    putReadAhead(m, 'live-programs', [{ id: 'p' }]);
    expect(takeReadAhead(m, 'live-programs')).toEqual([{ id: 'p' }]);
    expect(takeReadAhead(m, 'live-programs')).toBeUndefined();
  });

  it('keeps a null read (nothing live) apart from no read at all', () => {
    const m = tx();
    expect(takeReadAhead(m, 'live-programs')).toBeUndefined();
    putReadAhead(m, 'live-programs', null);
    expect(takeReadAhead(m, 'live-programs')).toBeNull();
  });

  it('never shows one transaction what another read', () => {
    const a = tx();
    const b = tx();
    putReadAhead(a, 'k', 1);
    expect(takeReadAhead(b, 'k')).toBeUndefined();
    expect(takeReadAhead(a, 'k')).toBe(1);
  });
});
