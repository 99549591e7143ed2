import { jest } from '@jest/globals';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { DomainError } from '../../common/domain-error.js';
import { WEBHOOK_SECRET_BYTES, generateWebhookSecret, signWebhook, webhookHeaders } from './standard-webhooks.js';

/** Deterministic "randomness": byte i is (seed + i) mod 256. */
const fakeRandomBytes = (seed: number) => (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (seed + i) % 256));

const SECRET = generateWebhookSecret(fakeRandomBytes(7));
const SENT_AT = new Date('2026-03-02T10:15:30.250Z');
const BODY = JSON.stringify({ type: 'lead.mql', timestamp: SENT_AT.toISOString(), data: { leadId: 'lead_1', score: 87 } });

describe('generateWebhookSecret', () => {
  it('is whsec_ followed by the base64 of 32 random bytes', () => {
    const asked: number[] = [];
    const secret = generateWebhookSecret((n) => {
      asked.push(n);
      return fakeRandomBytes(1)(n);
    });
    expect(asked).toEqual([WEBHOOK_SECRET_BYTES]);
    expect(secret.startsWith('whsec_')).toBe(true);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toEqual(fakeRandomBytes(1)(32));
  });

  it('refuses a random source that returns fewer than 24 bytes', () => {
    expect(() => generateWebhookSecret(() => Buffer.alloc(16))).toThrow(DomainError);
  });
});

describe('signWebhook', () => {
  it('matches the reference vector of the Standard Webhooks libraries', () => {
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('changes when the body, the message id or the timestamp changes', () => {
    const original = signWebhook(SECRET, 'msg_1', 1_772_446_530, BODY);
    expect(signWebhook(SECRET, 'msg_1', 1_772_446_530, BODY + ' ')).not.toBe(original);
    expect(signWebhook(SECRET, 'msg_2', 1_772_446_530, BODY)).not.toBe(original);
    expect(signWebhook(SECRET, 'msg_1', 1_772_446_531, BODY)).not.toBe(original);
  });

  it.each([
    ['without the whsec_ prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['that is not base64', 'whsec_not base64!'],
    ['that is too short', `whsec_${Buffer.alloc(8).toString('base64')}`],
  ])('refuses a secret %s', (_label, secret) => {
    expect(() => signWebhook(secret, 'msg_1', 1_772_446_530, BODY)).toThrow(DomainError);
  });

  it('refuses an empty message id and a timestamp that is not whole seconds', () => {
    expect(() => signWebhook(SECRET, '', 1_772_446_530, BODY)).toThrow(DomainError);
    expect(() => signWebhook(SECRET, 'msg_1', 1_772_446_530.5, BODY)).toThrow(DomainError);
  });
});

describe('webhookHeaders, checked by the independent standardwebhooks verifier', () => {
  beforeEach(() => {
    // The verifier refuses messages older or newer than five minutes by its own clock.
    jest.useFakeTimers({ now: SENT_AT });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('carries the message id, the timestamp in whole seconds and a v1 signature', () => {
    const headers = webhookHeaders(SECRET, 'msg_2w8Lq', SENT_AT, BODY);
    expect(headers['webhook-id']).toBe('msg_2w8Lq');
    expect(headers['webhook-timestamp']).toBe('1772446530');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('a receiver with the secret accepts the delivery', () => {
    const headers = webhookHeaders(SECRET, 'msg_2w8Lq', SENT_AT, BODY);
    expect(new Webhook(SECRET).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
  });

  it('a receiver rejects a tampered body, a swapped id or timestamp, and a foreign secret', () => {
    const headers = { ...webhookHeaders(SECRET, 'msg_2w8Lq', SENT_AT, BODY) };
    const tampered = BODY.replace('"score":87', '"score":99');
    const noMatch = 'No matching signature found';
    expect(() => new Webhook(SECRET).verify(tampered, headers)).toThrow(noMatch);
    expect(() => new Webhook(SECRET).verify(BODY, { ...headers, 'webhook-id': 'msg_other' })).toThrow(noMatch);
    expect(() => new Webhook(SECRET).verify(BODY, { ...headers, 'webhook-timestamp': '1772446531' })).toThrow(noMatch);
    expect(() => new Webhook(generateWebhookSecret(fakeRandomBytes(8))).verify(BODY, headers)).toThrow(noMatch);
  });

  it('any body and message id we sign is accepted (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/),
        fc.integer({ min: 0, max: 255 }),
        (text, msgId, seed) => {
          const secret = generateWebhookSecret(fakeRandomBytes(seed));
          const body = JSON.stringify({ type: 'lead.stage_changed', data: { note: text } });
          const headers = webhookHeaders(secret, msgId, SENT_AT, body);
          expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
        },
      ),
    );
  });
});

describe('webhookHeaders during a secret rotation (several secrets)', () => {
  const NEW = generateWebhookSecret(fakeRandomBytes(21));
  const OLD = generateWebhookSecret(fakeRandomBytes(42));
  const FOREIGN = generateWebhookSecret(fakeRandomBytes(63));

  beforeEach(() => {
    jest.useFakeTimers({ now: SENT_AT });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('carries one v1 signature per secret, space-delimited, in the order given (the new secret first)', () => {
    const headers = webhookHeaders([NEW, OLD], 'msg_rot', SENT_AT, BODY);
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toEqual([signWebhook(NEW, 'msg_rot', 1_772_446_530, BODY), signWebhook(OLD, 'msg_rot', 1_772_446_530, BODY)]);
    expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))).toBe(true);
  });

  it('a receiver with either secret accepts the delivery; one with neither refuses it', () => {
    const headers = { ...webhookHeaders([NEW, OLD], 'msg_rot', SENT_AT, BODY) };
    expect(new Webhook(NEW).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new Webhook(OLD).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(() => new Webhook(FOREIGN).verify(BODY, headers)).toThrow('No matching signature found');
  });

  it('with one secret, in a list or alone, is the single signature it always was', () => {
    expect(webhookHeaders([NEW], 'msg_rot', SENT_AT, BODY)).toEqual(webhookHeaders(NEW, 'msg_rot', SENT_AT, BODY));
    expect(webhookHeaders(NEW, 'msg_rot', SENT_AT, BODY)['webhook-signature']).not.toContain(' ');
  });

  it('refuses to sign with no secret at all, or when any of them is not one of ours', () => {
    expect(() => webhookHeaders([], 'msg_rot', SENT_AT, BODY)).toThrow(DomainError);
    expect(() => webhookHeaders([NEW, 'whsec_not base64!'], 'msg_rot', SENT_AT, BODY)).toThrow(DomainError);
  });
});
