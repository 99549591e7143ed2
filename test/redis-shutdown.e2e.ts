import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/app-config.js';
import { closeRedis } from '../src/infra/queue/close-redis.js';
import type { HitRecorder } from '../src/tracking/hit-recorder.service.js';
import { HitStreamConsumer } from '../src/tracking/hit-stream-consumer.js';
import { redisUrl } from './support/test-env.js';

/**
 * Stopping while Redis is unreachable: a process told to stop during a Redis outage must not wait for Redis
 * forever. (QUIT, and commands queued while ioredis waits to reconnect, never settle when the client is closed.)
 */
describe('closing Redis clients at shutdown', () => {
  const UNREACHABLE = 'redis://127.0.0.1:1';
  const settle = <T>(work: Promise<T>, ms: number) =>
    Promise.race([work.then(() => 'settled' as const), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref())]);

  it('drops a client that cannot reach its server at once, and quits a connected one', async () => {
    const down = new Redis(UNREACHABLE, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    down.on('error', () => undefined);
    void down.ping().catch(() => undefined); // a command waiting for a connection
    await new Promise((r) => setTimeout(r, 300));
    expect(down.status).not.toBe('ready');
    expect(await settle(down.quit(), 1500)).toBe('hung'); // what closing used to wait for
    let retries = 0;
    down.on('reconnecting', () => retries++);
    expect(await settle(closeRedis(down), 1500)).toBe('settled');
    await new Promise((r) => setTimeout(r, 700)); // more than three of its 200 ms retry delays
    expect(retries).toBe(0); // closed: it no longer tries to reconnect

    const up = new Redis(redisUrl());
    await up.ping();
    await closeRedis(up);
    expect(up.status).toBe('end');
  });

  it('stops a tracking drain consumer whose Redis is unreachable', async () => {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: UNREACHABLE, QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}` });
    const recorder = { record: async () => ({ stored: 0, reclassified: 0 }) } as unknown as HitRecorder;
    const consumer = new HitStreamConsumer(recorder, config, true);
    consumer.start();
    await new Promise((r) => setTimeout(r, 300)); // its loop now waits on Redis (creating the consumer group)
    expect(await settle(consumer.stop(), 3000)).toBe('settled');
  });
});
