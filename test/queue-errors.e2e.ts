import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { redisConnection } from '../src/infra/queue/queue.module.js';
import { LoggedQueue, LoggedWorker, QUEUE_ADD_WAIT_MS, QueueAddTimeout, queueErrorLog } from '../src/infra/queue/logged-queue.js';
import { isUnavailable } from '../src/common/unavailable.js';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { settlesWithin } from '../src/common/settles-within.js';
import { trackingRedis, type ConnectionLog } from '../src/tracking/hit-stream.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { clearQueues } from './support/test-app.js';
import { redisUrl } from './support/test-env.js';

/**
 * While Redis is unreachable, BullMQ queues and workers report every reconnect attempt as an 'error' event;
 * without a listener BullMQ prints each to stderr with its stack, outside the structured log, about ten
 * lines per second per connection. The service's queues and workers log them as rate-limited warnings.
 */
describe('Redis connection errors and outages', () => {
  it('queues and workers log their connection errors as one warning per interval, never to stderr', async () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const reported = jest.spyOn(queueErrorLog, 'report');
    const connection = { ...redisConnection('redis://127.0.0.1:1'), retryStrategy: () => 50 };
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const queue = new LoggedQueue('scoring', { connection, prefix });
    const worker = new LoggedWorker('scoring', async () => undefined, { connection, prefix, autorun: true });
    try {
      await new Promise((r) => setTimeout(r, 600)); // about ten reconnect attempts each
      const sources = new Set(reported.mock.calls.map(([source]) => source));
      expect(sources).toEqual(new Set(['queue scoring', 'worker scoring']));
      expect(reported.mock.calls.length).toBeGreaterThan(4);
      expect(printed).not.toHaveBeenCalled();
      const lines = warned.mock.calls.filter(([, msg]) => typeof msg === 'string' && msg.startsWith('queue connection error'));
      expect(lines).toHaveLength(1);
      expect(lines[0][0]).toMatchObject({ err: expect.stringContaining('ECONNREFUSED'), suppressed: 0 });
    } finally {
      await worker.close(true);
      await queue.close();
      printed.mockRestore();
      warned.mockRestore();
      reported.mockRestore();
    }
  });

  it('adding jobs gives up after QUEUE_ADD_WAIT_MS while Redis is unreachable, as a backing service out of reach', async () => {
    const u = new URL(redisUrl());
    const proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port || 6379) });
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const queue = new LoggedQueue('adding', { connection: { ...redisConnection(`redis://127.0.0.1:${proxy.port}`), retryStrategy: () => 100 }, prefix });
    queue.on('error', () => undefined);
    try {
      expect((await queue.add('job', {}, { jobId: 'up' })).id).toBe('up'); // Redis up: added as usual
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 300));
      for (const add of [() => queue.add('job', {}), () => queue.addBulk([{ name: 'job', data: {} }])]) {
        const started = Date.now();
        const err = await add().then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(QueueAddTimeout);
        expect(isUnavailable(err)).toBe(true);
        expect(Date.now() - started).toBeGreaterThanOrEqual(QUEUE_ADD_WAIT_MS - 50);
        expect(Date.now() - started).toBeLessThan(QUEUE_ADD_WAIT_MS + 1000);
      }
    } finally {
      await proxy.restore();
      await queue.close();
      await proxy.close();
      await clearQueues(prefix);
    }
  });

  describe('closing a worker', () => {
    const target = () => {
      const u = new URL(redisUrl());
      return { host: u.hostname, port: Number(u.port || 6379) };
    };
    const isForcedClose = ([, msg]: unknown[]) => String(msg).startsWith('closing a worker without waiting');

    it('waits for the running job while Redis is up', async () => {
      const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const prefix = `t${randomBytes(4).toString('hex')}`;
      const connection = redisConnection(redisUrl());
      const queue = new LoggedQueue('closing', { connection, prefix });
      let release!: () => void;
      const running = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const isRunning = new Promise<void>((resolve) => (started = resolve));
      const worker = new LoggedWorker(
        'closing',
        async () => {
          started();
          await running;
        },
        { connection, prefix },
      );
      try {
        await queue.add('job', {});
        await isRunning;
        const closing = worker.close();
        expect(await settlesWithin(closing, 500)).toBe(false);
        release();
        expect(await settlesWithin(closing, 2_000)).toBe(true);
        expect(warned.mock.calls.filter(isForcedClose)).toEqual([]);
      } finally {
        release();
        await worker.close(true);
        await queue.close();
        await clearQueues(prefix);
        warned.mockRestore();
      }
    });

    it('does not wait for Redis once it is unreachable (BullMQ’s own graceful close waits for ever)', async () => {
      const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const proxy = await TcpProxy.start(target());
      const prefix = `t${randomBytes(4).toString('hex')}`;
      const connection = { ...redisConnection(`redis://127.0.0.1:${proxy.port}`), retryStrategy: () => 100 };
      const plain = new Worker('closing', async () => undefined, { connection, prefix });
      const worker = new LoggedWorker('closing', async () => undefined, { connection, prefix });
      plain.on('error', () => undefined);
      try {
        await plain.waitUntilReady();
        await worker.waitUntilReady();
        await new Promise((r) => setTimeout(r, 200)); // both are waiting for jobs
        await proxy.cut();
        await new Promise((r) => setTimeout(r, 300)); // their connections noticed and try to reconnect
        const [plainClosed, closed] = await Promise.all([settlesWithin(plain.close(), 2_000), settlesWithin(worker.close(), 2_000)]);
        expect(plainClosed).toBe(false);
        expect(closed).toBe(true);
        expect(warned.mock.calls.filter(isForcedClose)).toHaveLength(1);
      } finally {
        // The plain worker's close never finishes: stop its connections from reconnecting.
        const backend = (plain as unknown as { backend: { client: Promise<Redis>; blockingClient?: Promise<Redis> } }).backend;
        for (const client of [await backend.client, await backend.blockingClient]) client?.disconnect();
        await proxy.close();
        await clearQueues(prefix);
        warned.mockRestore();
      }
    });
  });

  it('a tracking connection reports the outage and, once, that Redis is reachable again', async () => {
    const u = new URL(redisUrl());
    const proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port || 6379) });
    const errors: string[] = [];
    let back = 0;
    const logger = {
      warn: (fields: { err: string }, msg: string) => void errors.push(`${msg}: ${fields.err}`),
      log: (msg: string) => void (msg === 'test connection: Redis is reachable again' && back++),
    };
    const redis = trackingRedis(
      { redisUrl: `redis://127.0.0.1:${proxy.port}` },
      { maxRetriesPerRequest: null, retryStrategy: () => 100 },
      { logger: logger as unknown as ConnectionLog['logger'], what: 'test connection' },
    );
    try {
      await redis.ping();
      expect(back).toBe(0); // the first connection is not a recovery
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 500));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBe(1); // one line per interval, however many reconnect attempts failed
      expect(errors[0]).toMatch(/^test connection connection error: /);
      await proxy.restore();
      expect(await redis.ping()).toBe('PONG');
      await new Promise((r) => setTimeout(r, 200));
      expect(back).toBe(1);
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });
});
