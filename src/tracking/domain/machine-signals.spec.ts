import { HONEYPOT_LINK_INDEX } from './honeypot.js';
import fc from 'fast-check';
import { isbot } from 'isbot';
import { looksLikeBot, requestSignal } from './machine-signals.js';

const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const OUTLOOK = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)';

const open = (userAgent: string | null, method: 'GET' | 'HEAD' = 'GET') => requestSignal({ kind: 'open', method, userAgent, linkIndex: null });
const click = (userAgent: string | null, linkIndex = 0) => requestSignal({ kind: 'click', method: 'GET', userAgent, linkIndex });

describe('machine signals in the request', () => {
  it('lets mail clients and browsers through as people', () => {
    expect(open(IPHONE_MAIL)).toBeNull();
    expect(open(OUTLOOK)).toBeNull();
    expect(click(CHROME)).toBeNull();
  });

  it('recognises Apple Mail Privacy Protection by its bare user agent', () => {
    expect(open('Mozilla/5.0')).toBe('apple_privacy_proxy');
    expect(open(' Mozilla/5.0 ')).toBe('apple_privacy_proxy');
  });

  it('recognises the Gmail and Yahoo image proxies', () => {
    expect(open('Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)')).toBe('image_proxy');
    expect(open('YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html')).toBe('image_proxy');
  });

  it('recognises known bots, HTTP libraries and security scanners', () => {
    for (const ua of ['curl/8.5.0', 'python-requests/2.31.0', 'Barracuda Sentinel (EE)', 'Googlebot/2.1 (+http://www.google.com/bot.html)']) {
      expect(click(ua)).toBe('bot_user_agent');
    }
  });

  it('treats a request without a user agent as a machine', () => {
    expect(click(null)).toBe('no_user_agent');
    expect(open('   ')).toBe('no_user_agent');
  });

  it('treats HEAD as a machine, whatever the user agent says', () => {
    expect(open(IPHONE_MAIL, 'HEAD')).toBe('head_request');
  });

  it('treats a click on the hidden honeypot link as a machine, even with a browser user agent', () => {
    expect(click(CHROME, HONEYPOT_LINK_INDEX)).toBe('honeypot');
  });
});

describe('looksLikeBot', () => {
  it('gives isbot’s verdict for every user agent, asked once or many times', () => {
    const agents = fc.oneof(fc.constantFrom(IPHONE_MAIL, CHROME, OUTLOOK, 'Barracuda Sentinel (EE)', 'python-requests/2.31', 'Googlebot/2.1', 'curl/8.0'), fc.string({ maxLength: 60 }));
    fc.assert(
      fc.property(fc.array(agents, { minLength: 1, maxLength: 20 }), (uas) => {
        for (const ua of [...uas, ...uas]) expect(looksLikeBot(ua)).toBe(isbot(ua));
      }),
    );
  });
});
