import { presentedKey } from './presented-key.js';

describe('queue dashboard credentials', () => {
  it('takes the admin key from Basic auth (any user name) or a Bearer header', () => {
    expect(presentedKey(`Basic ${Buffer.from('ops:nk_secret:with:colons').toString('base64')}`)).toBe('nk_secret:with:colons');
    expect(presentedKey('Bearer nk_abc')).toBe('nk_abc');
  });

  it('finds no key in anything else', () => {
    expect(presentedKey(undefined)).toBeNull();
    expect(presentedKey('Basic !!!')).toBeNull();
    expect(presentedKey(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeNull();
  });
});
