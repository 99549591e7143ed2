import { jest } from '@jest/globals';
import { timed, withoutSecrets } from './health.controller.js';

describe('health check timing', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports a check that answers as up and leaves no timer behind', async () => {
    const check = await timed(async () => 'ok');
    expect(check.status).toBe('up');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports a check that fails as down with its error, leaving no timer', async () => {
    const check = await timed(async () => {
      throw new Error('connection refused');
    });
    expect(check).toEqual({ status: 'down', error: 'connection refused' });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports a check that hangs as down after 2 s', async () => {
    const result = timed(() => new Promise(() => undefined));
    await jest.advanceTimersByTimeAsync(1_999);
    let settled = false;
    void result.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({ status: 'down', error: 'timeout after 2000 ms' });
  });

  it("masks credentials a failed check's error may carry in a URL", () => {
    expect(withoutSecrets({ status: 'down', error: 'cannot reach smtps://mailer:s3cret@relay.example.be:465 (ETIMEDOUT)' })).toEqual({
      status: 'down',
      error: 'cannot reach smtps://***@relay.example.be:465 (ETIMEDOUT)',
    });
    expect(withoutSecrets({ status: 'up', latencyMs: 3 })).toEqual({ status: 'up', latencyMs: 3 });
  });
});
