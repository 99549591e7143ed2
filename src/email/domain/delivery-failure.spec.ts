import { classifyDeliveryFailure, retryDelayMs } from './delivery-failure.js';

const smtp = (responseCode: number, response: string, command = 'RCPT TO') =>
  Object.assign(new Error(`Can't send mail - all recipients were rejected: ${response}`), { code: 'EENVELOPE', responseCode, response, command });

describe('classifyDeliveryFailure', () => {
  it('retries later when the server says "try again" (4xx)', () => {
    expect(classifyDeliveryFailure(smtp(451, '451 4.7.1 Greylisted, try again later'))).toEqual({
      kind: 'temporary',
      detail: '451 4.7.1 Greylisted, try again later',
      softBounce: true,
    });
    expect(classifyDeliveryFailure(smtp(421, '421 Too many connections')).kind).toBe('temporary');
  });

  it('calls a 4xx answer to the recipient or the data a soft bounce, not one about the connection, the login or the sender', () => {
    expect(classifyDeliveryFailure(smtp(452, '452 4.2.2 Mailbox full'))).toMatchObject({ kind: 'temporary', softBounce: true });
    expect(classifyDeliveryFailure(smtp(451, '451 4.4.0 DNS resolution failed', 'DATA'))).toMatchObject({ softBounce: true });
    expect(classifyDeliveryFailure(smtp(421, '421 4.3.2 Service not available'))).toMatchObject({ kind: 'temporary', softBounce: false });
    expect(classifyDeliveryFailure(smtp(421, '421 Too busy', 'CONN'))).toMatchObject({ softBounce: false });
    expect(classifyDeliveryFailure(smtp(451, '451 4.1.8 Sender domain unresolvable', 'MAIL FROM'))).toMatchObject({ softBounce: false });
    expect(classifyDeliveryFailure(smtp(454, '454 4.7.0 Temporary authentication failure', 'AUTH PLAIN'))).toMatchObject({ softBounce: false });
    const dropped = Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION', command: 'CONN' });
    expect(classifyDeliveryFailure(dropped)).toMatchObject({ kind: 'temporary', softBounce: false });
  });

  it('retries later when the relay cannot be reached or the connection drops', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' });
    expect(classifyDeliveryFailure(refused)).toEqual({ kind: 'temporary', detail: 'connect ECONNREFUSED 127.0.0.1:25', softBounce: false });
    expect(classifyDeliveryFailure(Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT' })).kind).toBe('temporary');
    expect(classifyDeliveryFailure('something odd').kind).toBe('temporary');
  });

  it('treats "mailbox does not exist" (5.1.x) as a hard bounce', () => {
    expect(classifyDeliveryFailure(smtp(550, '550 5.1.1 <an@example.be>: Recipient address rejected: User unknown'))).toEqual({
      kind: 'permanent',
      detail: '550 5.1.1 <an@example.be>: Recipient address rejected: User unknown',
      hardBounce: true,
    });
    expect(classifyDeliveryFailure(smtp(550, '550 5.1.10 RESOLVER.ADR.RecipientNotFound')).kind).toBe('permanent');
    expect(classifyDeliveryFailure(smtp(550, '550 5.1.10 RESOLVER.ADR.RecipientNotFound'))).toMatchObject({ hardBounce: true });
  });

  it('recognises an unknown mailbox from the text when the server gives no enhanced status', () => {
    expect(classifyDeliveryFailure(smtp(550, '550 No such user here'))).toMatchObject({ kind: 'permanent', hardBounce: true });
    expect(classifyDeliveryFailure(smtp(550, '550 Mailbox unavailable'))).toMatchObject({ kind: 'permanent', hardBounce: false });
  });

  it('gives up on other permanent refusals without suppressing the address', () => {
    expect(classifyDeliveryFailure(smtp(554, '554 5.7.1 Message rejected as spam'))).toMatchObject({ kind: 'permanent', hardBounce: false });
    expect(classifyDeliveryFailure(smtp(552, '552 5.2.2 Mailbox full'))).toMatchObject({ kind: 'permanent', hardBounce: false });
    // The enhanced status wins over the words: a policy refusal that mentions "user unknown" is not a bounce.
    expect(classifyDeliveryFailure(smtp(550, '550 5.7.1 user unknown to our policy'))).toMatchObject({ hardBounce: false });
  });
});

describe('retryDelayMs', () => {
  it('doubles per attempt and never waits longer than an hour', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 60_000))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(30, 60_000)).toBe(3_600_000);
  });
});
