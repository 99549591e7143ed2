import { createHook } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { HitRecorder } from '../src/tracking/hit-recorder.service.js';
import { HitStreamConsumer } from '../src/tracking/hit-stream-consumer.js';
import { clearQueues } from './support/test-app.js';
import { redisUrl } from './support/test-env.js';

/**
 * A stopping worker stops its drain consumers; nothing of theirs may keep the process alive afterwards (the
 * service's own SIGTERM handling ends the process anyway, but a process that closes the app and expects to
 * exit, as tests and embedders do, waited). Stopped during its blocking read, a consumer used to disconnect
 * twice, and ioredis arms a 2 s timer per disconnect that only the stream's close clears: the second, on a
 * stream already closed, ran its full 2 s.
 */
describe('stopping a tracking drain consumer', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  afterAll(() => clearQueues(prefix));

  it('leaves no timer of its Redis connection behind when stopped during a blocking read', async () => {
    const settings = {
      redisUrl: redisUrl(),
      queuePrefix: prefix,
      trackingDrainMs: 5_000, // a long blocking read, so stop() interrupts it
      trackingDrainBatch: 100,
      trackingDrainMinBatch: 1,
      trackingDrainLingerMs: 0,
      trackingReclaimIdleMs: 60_000,
    };
    // Never called: no hit is ever added to this consumer's stream.
    const recorder = { record: async () => ({ stored: 0, reclassified: 0 }) } as unknown as HitRecorder;
    const pending = new Map<number, string>();
    const hook = createHook({
      init(id, type) {
        if (type === 'Timeout') pending.set(id, new Error().stack ?? '');
      },
      destroy(id) {
        pending.delete(id);
      },
    });
    const consumer = new HitStreamConsumer(recorder, settings, true);
    const watcher = new Redis(redisUrl());
    try {
      consumer.start();
      // Wait until the consumer is blocked in XREADGROUP (its client shows as blocked on the server).
      for (;;) {
        const clients = String(await watcher.client('LIST'));
        if (/cmd=xreadgroup/.test(clients) && /flags=b/.test(clients)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      hook.enable();
      await consumer.stop();
      await new Promise((r) => setTimeout(r, 300)); // the stream's close clears the first disconnect's timer
      hook.disable();
      const left = [...pending.values()].filter((stack) => stack.includes('ioredis'));
      expect(left).toEqual([]);
    } finally {
      hook.disable();
      watcher.disconnect();
    }
  });
});
