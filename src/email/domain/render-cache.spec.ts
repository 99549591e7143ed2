import { RenderCache } from './render-cache.js';
import type { CompiledTemplate } from './template-compiler.js';
import { renderEmail } from './renderer.js';

const version = (greeting: string): CompiledTemplate => ({
  format: 1,
  subject: `${greeting} {{firstName}}`,
  html: `<html><body><p>${greeting} {{firstName}}</p><a href="https://example.be">site</a></body></html>`,
  text: `${greeting} {{firstName}}\nsite [{{#__textHref}}https://example.be{{/__textHref}}]`,
});
const noTracking = { rewriteLink: (url: string) => url, openPixelUrl: '' };

describe('RenderCache', () => {
  it('prepares a template version once, however many emails are sent with it', () => {
    const cache = new RenderCache();
    let loads = 0;
    const load = () => (loads++, version('Hallo'));
    const first = cache.get('welcome:v1:nl', load);
    for (let i = 0; i < 5; i++) expect(cache.get('welcome:v1:nl', load)).toBe(first);
    expect(loads).toBe(1);
    expect(renderEmail(first, { firstName: 'An' }, noTracking).subject).toBe('Hallo An');
  });

  it('keeps versions apart by key', () => {
    const cache = new RenderCache();
    const nl = cache.get('welcome:v1:nl', version('Hallo'));
    const fr = cache.get('welcome:v1:fr', version('Bonjour'));
    expect(renderEmail(nl, { firstName: 'An' }, noTracking).text).toContain('Hallo An');
    expect(renderEmail(fr, { firstName: 'An' }, noTracking).text).toContain('Bonjour An');
  });

  it('forgets the least recently used version when full', () => {
    const cache = new RenderCache(2);
    cache.get('a', version('A'));
    cache.get('b', version('B'));
    cache.get('a', version('A')); // a is now more recent than b
    cache.get('c', version('C'));
    expect(cache.has('a')).toBe(true);
    expect(cache.has('b')).toBe(false);
    expect(cache.has('c')).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('refuses a size below one', () => {
    expect(() => new RenderCache(0)).toThrow(RangeError);
  });
});
