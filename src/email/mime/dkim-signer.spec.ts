import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { DkimSigner, canonicalBody } from './dkim-signer.js';
import { formatAddress } from './mime-headers.js';
import { composeMessage, serializeMessage } from './mime-message.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'der' },
});
const DOMAIN = 'studio-noord.example.be';
const SELECTOR = 'nurture2026';
/** DNS as a receiving server would see it: the selector's TXT record with the public key. */
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[`v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`]];
  throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
};

const message = () =>
  composeMessage({
    messageId: `0b9d7c1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e@${DOMAIN}`,
    date: new Date('2026-01-05T09:00:00Z'),
    from: formatAddress('Studio Noord', `tips@${DOMAIN}`),
    to: 'an@bakkerij-peeters.example.be',
    subject: `Een heel lange onderwerpregel met “aanhalingstekens” en één accent, zodat hij over meerdere regels gevouwen wordt`,
    listUnsubscribe: {
      url: `https://track.${DOMAIN}/u/EBA_HCp7TU4hmg9cbX6PmgsBAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA`,
      mailto: `mailto:unsubscribe@${DOMAIN}?subject=unsubscribe`,
    },
    text: 'Hallo  An,\n\tmet   spaties   \n\n\n',
    html: `<p>Hallo An</p>${'<p>tekst</p>\n'.repeat(200)}`,
  });

describe('DkimSigner', () => {
  it('signs so that a receiving server verifies it, folded headers and all', async () => {
    const composed = message();
    const signer = new DkimSigner({ domain: DOMAIN, selector: SELECTOR, privateKey });
    const raw = serializeMessage(composed, [await signer.sign(composed.headers, composed.body)]);
    const result = await dkimVerify(raw, { resolver });
    expect(result.results).toHaveLength(1);
    expect(result.results[0].status.result).toBe('pass');
    expect(result.results[0].signingDomain).toBe(DOMAIN);
  });

  it('covers List-Unsubscribe and List-Unsubscribe-Post, so one-click unsubscribe cannot be forged', async () => {
    const composed = message();
    const signer = new DkimSigner({ domain: DOMAIN, selector: SELECTOR, privateKey });
    const [, value] = await signer.sign(composed.headers, composed.body);
    const h = /h=([^;]+);/.exec(value.replace(/\r\n\s*/g, ''))![1].split(':');
    expect(h).toEqual(expect.arrayContaining(['from', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']));

    const tampered = serializeMessage(composed, [[ 'DKIM-Signature', value ]]).toString('latin1').replace(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      'List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks',
    );
    expect((await dkimVerify(tampered, { resolver })).results[0].status.result).toBe('fail');
  });

  it('canonicalizes the body the relaxed way', () => {
    const canonical = (text: string) => canonicalBody(Buffer.from(text, 'latin1')).toString('latin1');
    expect(canonical('a  b \t\r\n\tc\r\n\r\n\r\n')).toBe('a b\r\n c\r\n');
    expect(canonical('<p>\r\n    <a   href="x">  </a>=\r\n\r\n')).toBe('<p>\r\n <a href="x"> </a>=\r\n');
    expect(canonical('\r\n\r\n')).toBe('');
    expect(canonical('')).toBe('');
    expect(canonical('no line end')).toBe('no line end\r\n');
    expect(canonical('trailing space ')).toBe('trailing space\r\n');
  });

  it('canonicalizes bodies with space runs (HTML indentation) as RFC 6376 §3.4.4 says (property)', () => {
    const reference = (text: string) => {
      const lines = text.replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]+/g, ' ').replace(/(?:\r\n)+$/, '');
      return lines === '' ? '' : `${lines}\r\n`;
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '<p>', '=3D', ' ', '  ', '    ', '\t', '\r\n'), { maxLength: 120 }), (pieces) => {
        const text = pieces.join('');
        expect(canonicalBody(Buffer.from(text, 'latin1')).toString('latin1')).toBe(reference(text));
      }),
    );
  });
});
