import { jest } from '@jest/globals';
import type { Queue } from 'bullmq';
import { WEBHOOK_QUEUE_WAIT_MS, WebhookDispatcher } from './webhook-dispatcher.js';

/** While Redis is unreachable BullMQ's calls never settle: the dispatcher gives up after a while instead. */
describe('the webhook dispatcher with a Redis that does not answer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const never = () => new Promise<never>(() => undefined);
  const stuckQueue = { addBulk: never, getJob: never, remove: never } as unknown as Queue;

  it.each([
    ['dispatch', (d: WebhookDispatcher) => d.dispatch([{ id: 'd1', attempts: 0 }])],
    ['ensureRunning', (d: WebhookDispatcher) => d.ensureRunning({ id: 'd1', attempts: 0 })],
  ])('%s fails after WEBHOOK_QUEUE_WAIT_MS, leaving no timer', async (_name, call) => {
    const result = call(new WebhookDispatcher(stuckQueue));
    const outcome = result.then(() => 'settled', (err: Error) => err.message);
    await jest.advanceTimersByTimeAsync(WEBHOOK_QUEUE_WAIT_MS - 1);
    let settled = false;
    void outcome.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe(`Redis did not take the webhook job within ${WEBHOOK_QUEUE_WAIT_MS} ms`);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('passes on what a Redis that answers says', async () => {
    const added: unknown[] = [];
    const queue = { addBulk: async (jobs: unknown[]) => added.push(...jobs), getJob: async () => undefined, remove: async () => 0 } as unknown as Queue;
    expect(await new WebhookDispatcher(queue).ensureRunning({ id: 'd1', attempts: 2 })).toBe('added');
    expect(added).toHaveLength(1);
  });
});
