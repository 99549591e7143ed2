import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { redisConnection } from '../src/infra/queue/queue.module.js';
import { LoggedQueue, LoggedWorker, queueErrorLog } from '../src/infra/queue/logged-queue.js';

/**
 * While Redis is unreachable, BullMQ queues and workers report every reconnect attempt as an 'error' event;
 * without a listener BullMQ prints each to stderr with its stack, outside the structured log, about ten
 * lines per second per connection. The service's queues and workers log them as rate-limited warnings.
 */
describe('queue and worker connection errors while Redis is unreachable', () => {
  it('go to the structured log as one warning per interval, never to stderr', async () => {
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
});
