import { parseLinks } from './message-links.service.js';

describe('stored links of a sent message', () => {
  it('are read by index', () => {
    const links = parseLinks([
      { index: 0, url: 'https://example.be/pricing' },
      { index: 2, url: 'http://example.be/blog?x=1&y=2' },
    ]);
    expect(links[0]).toBe('https://example.be/pricing');
    expect(links[1]).toBeUndefined();
    expect(links[2]).toBe('http://example.be/blog?x=1&y=2');
  });

  it('never yield anything but an absolute http(s) URL', () => {
    const links = parseLinks([
      { index: 0, url: 'javascript:alert(1)' },
      { index: 1, url: '//evil.example/' },
      { index: 2, url: 'data:text/html,hi' },
      { index: 3, url: 'https://exa mple.be/\r\nSet-Cookie: x' },
      { index: -1, url: 'https://example.be/' },
      { index: 1.5, url: 'https://example.be/' },
      { index: 4, url: 42 },
      null,
    ]);
    expect(links.filter(Boolean)).toEqual([]);
  });

  it('encode what a Location header cannot carry raw', () => {
    expect(parseLinks([{ index: 0, url: 'https://example.be/café page' }])[0]).toBe('https://example.be/caf%C3%A9%20page');
  });

  it('tolerate a message with no links', () => {
    expect(parseLinks('[]')).toEqual([]);
    expect(parseLinks(undefined)).toEqual([]);
  });
});
