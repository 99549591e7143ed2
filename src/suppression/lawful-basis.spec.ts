import fc from 'fast-check';
import { mailability, sendBlock } from './lawful-basis.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from './suppression.types.js';

describe('who may be sent nurture email', () => {
  it('a lead with a recorded lawful basis (consent granted) and not on the list', () => {
    expect(sendBlock('granted', null)).toBeNull();
  });

  it('never a lead whose consent was never given: no lawful basis', () => {
    expect(sendBlock('unknown', null)).toBe('no_lawful_basis');
    expect(sendBlock(null, undefined)).toBe('no_lawful_basis');
  });

  it('never a lead who withdrew consent, nor one on the suppression list', () => {
    expect(sendBlock('withdrawn', null)).toBe('consent_withdrawn');
    expect(sendBlock('granted', 'complaint')).toBe('complaint');
    expect(sendBlock('unknown', 'unsubscribed')).toBe('unsubscribed');
  });

  // An unsubscribe and a complaint put the address on the list *and* withdraw consent: the enrollment exits with
  // the reason that says what happened (PRODUCT.md "the enrollment exits with that reason"), not the consequence.
  it('names what the lead did (unsubscribed, bounced hard, complained, was erased) before the consent it withdrew by doing so', () => {
    expect(sendBlock('withdrawn', 'complaint')).toBe('complaint');
    expect(sendBlock('withdrawn', 'unsubscribed')).toBe('unsubscribed');
    expect(sendBlock('withdrawn', 'hard_bounce')).toBe('hard_bounce');
    expect(sendBlock('withdrawn', 'erased')).toBe('erased');
  });

  it('names a withdrawn consent before an entry an operator added by hand, which says nothing about why', () => {
    expect(sendBlock('withdrawn', 'manual')).toBe('consent_withdrawn');
    expect(sendBlock('granted', 'manual')).toBe('manual');
    expect(sendBlock('unknown', 'manual')).toBe('manual');
  });

  it('blocks whenever the lead is listed or has no granted consent, and names a listed reason unless it is manual and consent was withdrawn', () => {
    const consent = fc.constantFrom<string | null>('granted', 'withdrawn', 'unknown', 'pending', null);
    const listed = fc.constantFrom<SuppressionReason | null>(null, ...SUPPRESSION_REASONS);
    fc.assert(
      fc.property(consent, listed, (c, l) => {
        const block = sendBlock(c, l);
        expect(block === null).toBe(c === 'granted' && l === null);
        if (l && l !== 'manual') expect(block).toBe(l);
        if (l === 'manual') expect(block).toBe(c === 'withdrawn' ? 'consent_withdrawn' : 'manual');
        if (!l && c !== 'granted') expect(block).toBe(c === 'withdrawn' ? 'consent_withdrawn' : 'no_lawful_basis');
      }),
    );
  });
});

describe('whether a lead is mailable, and since when not', () => {
  const listedAt = new Date('2026-03-01T10:00:00Z');
  const withdrawnAt = new Date('2026-03-02T10:00:00Z');

  it('is mailable with consent granted and no entry', () => {
    expect(mailability('granted', withdrawnAt, null)).toEqual({ mailable: true, suppression: null });
  });

  it('dates a listed reason by its entry, a withdrawal by its consent record, and no lawful basis not at all', () => {
    expect(mailability('withdrawn', withdrawnAt, { reason: 'unsubscribed', since: listedAt })).toEqual({
      mailable: false,
      suppression: { reason: 'unsubscribed', since: listedAt.toISOString() },
    });
    expect(mailability('withdrawn', withdrawnAt, { reason: 'manual', since: listedAt })).toEqual({
      mailable: false,
      suppression: { reason: 'consent_withdrawn', since: withdrawnAt.toISOString() },
    });
    expect(mailability('withdrawn', null, null)).toEqual({ mailable: false, suppression: { reason: 'consent_withdrawn', since: null } });
    expect(mailability('unknown', null, null)).toEqual({ mailable: false, suppression: { reason: 'no_lawful_basis', since: null } });
  });
});
