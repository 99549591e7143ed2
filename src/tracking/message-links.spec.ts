import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import type { LinkCacheBus } from './link-cache-bus.js';
import { MessageLinks, parseLinks } from './message-links.service.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

/** A database holding messages A (two links) and B (none yet), counting the queries it answers. */
function fakeDb(fail = false) {
  const queries: string[][] = [];
  const rows: Record<string, unknown> = { [A]: [{ index: 0, url: 'https://example.be/a0' }, { index: 1, url: 'https://example.be/a1' }], [B]: [] };
  const db = {
    query: async (_sql: string, [ids]: [string[]]) => {
      queries.push(ids);
      if (fail) throw new Error('connection lost');
      return ids.filter((id) => id in rows).map((id) => ({ id, links: rows[id] }));
    },
  };
  return { db: db as unknown as DataSource, queries };
}

const config = { trackingLinkCacheSize: 100 } as AppConfig;

/** A LinkCacheBus stand-in: `forget()` does what a message on the channel does. */
function fakeBus() {
  let listener: () => void = () => {};
  return { bus: { listen: (forget: () => void) => (listener = forget) } as unknown as LinkCacheBus, forget: () => listener() };
}
const bus = fakeBus().bus;

describe('message links for click redirects', () => {
  it('reads every message missed in one moment with one query, once per message', async () => {
    const { db, queries } = fakeDb();
    const links = new MessageLinks(db, config, bus);
    const answers = await Promise.all([links.url(A, 0), links.url(A, 1), links.url(B, 0), links.url(C, 0), links.url(A, 7)]);
    expect(answers).toEqual(['https://example.be/a0', 'https://example.be/a1', null, null, null]);
    expect(queries).toEqual([[A, B, C]]);
  });

  it('keeps a message with links in memory, and asks again for one that had none yet', async () => {
    const { db, queries } = fakeDb();
    const links = new MessageLinks(db, config, bus);
    await Promise.all([links.url(A, 0), links.url(B, 0)]);
    expect(await links.url(A, 1)).toBe('https://example.be/a1');
    expect(await links.url(B, 0)).toBeNull();
    expect(queries).toEqual([[A, B], [B]]);
  });

  it('reads a message again once asked to forget (an erasure blanked stored links)', async () => {
    const { db, queries } = fakeDb();
    const { bus: mine, forget } = fakeBus();
    const links = new MessageLinks(db, config, mine);
    await links.url(A, 0);
    await links.url(A, 1);
    forget();
    await links.url(A, 0);
    expect(queries).toEqual([[A], [A]]);
  });

  it('fails every click waiting on a query that failed, and tries again on the next click', async () => {
    const failing = new MessageLinks(fakeDb(true).db, config, bus);
    await expect(Promise.all([failing.url(A, 0), failing.url(C, 0)])).rejects.toThrow('connection lost');
    await expect(failing.url(A, 0)).rejects.toThrow('connection lost');
  });
});


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
