import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/app-config.js';
import { LATE_TOLERANCE_MS, MAX_LATE_RETRIES, SendRateLimiter } from '../src/email/send-rate-limiter.js';
import { clearQueues } from './support/test-app.js';
import { redisUrl } from './support/test-env.js';

/** Two worker processes' limiters sharing one Redis, at the given rate. */
function limiters(rate: number): { prefix: string; a: SendRateLimiter; b: SendRateLimiter } {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ REDIS_URL: redisUrl(), QUEUE_PREFIX: prefix, EMAIL_RATE_PER_SECOND: String(rate) });
  return { prefix, a: new SendRateLimiter(config), b: new SendRateLimiter(config) };
}

describe('the shared send rate', () => {
  const open: SendRateLimiter[] = [];
  const prefixes: string[] = [];
  afterAll(async () => {
    await Promise.all(open.map((l) => l.onApplicationShutdown()));
    await Promise.all(prefixes.map(clearQueues));
  });

  it('hands two workers slots at least 1/rate apart, never two at once', async () => {
    const { prefix, a, b } = limiters(200);
    open.push(a, b);
    prefixes.push(prefix);
    await Promise.all([a.reserve(), b.reserve()]); // both connected
    const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserve()));
    expect(slots.every((s) => s.granted)).toBe(true);
    const times = slots.map((s) => s.slotUs).sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5000); // 200 per second: one slot every 5,000 µs at most
    expect(new Set(times).size).toBe(times.length);
  });

  it('does not hand out slots further ahead than its horizon: those callers wait instead', async () => {
    const { prefix, a } = limiters(1);
    open.push(a);
    prefixes.push(prefix);
    // One per second, reserved at most five seconds ahead: six slots (now … now+5 s), then callers wait.
    const slots = [];
    for (let i = 0; i < 7; i++) slots.push(await a.reserve());
    expect(slots.map((s) => s.granted)).toEqual([true, true, true, true, true, true, false]);
    expect(slots[5].slotUs - slots[0].slotUs).toBe(5_000_000);
    expect(slots[6].waitUs).toBeGreaterThan(5_000_000);
  });

  it('gives up a slot it woke too late for and sends on a new one, so callers that overslept do not send in a bunch', async () => {
    /** A limiter whose first `oversleeps` waits end 3 × the tolerance after their slot (as in a process that could not run). */
    class Drowsy extends SendRateLimiter {
      oversleeps = 0;
      reservations = 0;
      private overslept = 0;
      protected override async pause(ms: number): Promise<void> {
        await super.pause(ms);
        if (this.oversleeps-- > 0) this.overslept += 3 * LATE_TOLERANCE_MS;
      }
      protected override elapsedMs(): number {
        return super.elapsedMs() + this.overslept;
      }
      override reserve() {
        this.reservations += 1;
        return super.reserve();
      }
    }
    const prefix = `t${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    const config = loadConfig({ REDIS_URL: redisUrl(), QUEUE_PREFIX: prefix, EMAIL_RATE_PER_SECOND: '10' });
    const a = new Drowsy(config);
    open.push(a);
    await a.reserve(); // the next slot is 100 ms ahead: each acquire below waits for one

    a.oversleeps = 2;
    a.reservations = 0;
    await a.acquire();
    expect(a.reservations).toBe(3); // overslept twice: gave up two slots, sent on the third

    a.oversleeps = MAX_LATE_RETRIES + 5;
    a.reservations = 0;
    await a.acquire();
    expect(a.reservations).toBe(MAX_LATE_RETRIES + 1); // always late: sends anyway after giving up MAX_LATE_RETRIES slots

    a.oversleeps = 0;
    a.reservations = 0;
    await a.acquire();
    expect(a.reservations).toBe(1); // on time: its first slot
  });

  it('does nothing when there is no limit', async () => {
    const { a } = limiters(0);
    expect(a.limited).toBe(false);
    await expect(a.acquire()).resolves.toBeUndefined();
  });
});
