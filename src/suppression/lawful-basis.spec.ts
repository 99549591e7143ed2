import { sendBlock } from './lawful-basis.js';

describe('who may be sent nurture email', () => {
  it('a lead with a recorded lawful basis (consent granted) and not on the list', () => {
    expect(sendBlock('granted', null)).toBeNull();
  });

  it('never a lead whose consent was never given: no lawful basis', () => {
    expect(sendBlock('unknown', null)).toBe('no_lawful_basis');
    expect(sendBlock(null, undefined)).toBe('no_lawful_basis');
  });

  it('withdrawn consent first, then the suppression list, then a missing basis', () => {
    expect(sendBlock('withdrawn', 'hard_bounce')).toBe('consent_withdrawn');
    expect(sendBlock('granted', 'complaint')).toBe('complaint');
    expect(sendBlock('unknown', 'unsubscribed')).toBe('unsubscribed');
  });
});
