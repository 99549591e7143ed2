import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PeriodicTask } from './periodic-task.js';

/** A task whose runs finish when the test says so. */
class HeldTask extends PeriodicTask {
  protected readonly label = 'held task';
  runs = 0;
  private release: (() => void)[] = [];

  protected intervalMs(): number {
    return 60_000;
  }

  protected run(): Promise<number> {
    const n = ++this.runs;
    return new Promise((resolve) => this.release.push(() => resolve(n)));
  }

  finishRun(): void {
    this.release.shift()?.();
  }

  stoppingSeen(): boolean {
    return this.isStopping();
  }
}

const settle = () => new Promise((r) => setImmediate(r));

describe('PeriodicTask', () => {
  it('never runs twice at once: a tick during a run joins it', async () => {
    const task = new HeldTask();
    const first = task.tick();
    const joined = task.tick();
    task.finishRun();
    expect(await first).toBe(1);
    expect(await joined).toBe(1);
    expect(task.runs).toBe(1);
  });

  it('tickAfterCurrent runs once more after the run under way (which may have looked too early)', async () => {
    const task = new HeldTask();
    const under = task.tick();
    const after = task.tickAfterCurrent();
    await settle();
    expect(task.runs).toBe(1);
    task.finishRun();
    expect(await under).toBe(1);
    await settle();
    expect(task.runs).toBe(2);
    task.finishRun();
    expect(await after).toBe(2);
  });

  it('tickAfterCurrent runs at once when nothing is under way, and not at all once stopping', async () => {
    const task = new HeldTask();
    const now = task.tickAfterCurrent();
    await settle();
    expect(task.runs).toBe(1);
    task.finishRun();
    expect(await now).toBe(1);
    task.onModuleDestroy();
    expect(await task.tickAfterCurrent()).toBe(0);
    expect(task.runs).toBe(1);
  });

  it('logs an unreachable database as one warning until it is back, then says so; other failures every time as errors', async () => {
    const outcomes: (Error | null)[] = [];
    class Flaky extends PeriodicTask {
      protected readonly label = 'flaky task';
      protected intervalMs(): number {
        return 60_000;
      }
      protected async run(): Promise<number> {
        const err = outcomes.shift();
        if (err && err.message.startsWith('column')) throw err;
        // Outages are caught and logged inside the run, which still finishes (as the scheduler's loops do).
        if (err) this.logFailure(err, `${this.label} failed`);
        return err ? 0 : 1;
      }
    }
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    try {
      const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const task = new Flaky();
      outcomes.push(refused(), refused(), refused(), null, refused(), new Error('column "x" does not exist'), new Error('column "x" does not exist'));
      for (let i = 0; i < 7; i++) await task.tick();
      // The first outage: one warning for three failed runs; then one "runs again"; the second outage warns afresh.
      expect(warn.mock.calls.map(([fields, msg]) => [fields, msg])).toEqual([
        [{ err: 'connect ECONNREFUSED 127.0.0.1:5432', suppressed: 0 }, 'flaky task failed: PostgreSQL or Redis is unreachable; retried every run'],
        [{ err: 'connect ECONNREFUSED 127.0.0.1:5432', suppressed: 0 }, 'flaky task failed: PostgreSQL or Redis is unreachable; retried every run'],
      ]);
      expect(log.mock.calls.map(([msg]) => msg)).toEqual(['flaky task runs again: PostgreSQL and Redis are reachable']);
      expect(error).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
      error.mockRestore();
      log.mockRestore();
    }
  });

  describe('on its interval (fake timers)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('skips the beats that come while a run is under way, and runs again on the first beat after it', async () => {
      const task = new HeldTask();
      task.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(task.runs).toBe(1);
      await jest.advanceTimersByTimeAsync(3 * 60_000);
      expect(task.runs).toBe(1);
      task.finishRun();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(task.runs).toBe(2);
      task.finishRun();
      await task.beforeApplicationShutdown();
    });

    it('logs a failed run and runs again on the next beat', async () => {
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        let runs = 0;
        class FailsOnce extends PeriodicTask {
          protected readonly label = 'fails once';
          protected intervalMs(): number {
            return 1_000;
          }
          protected async run(): Promise<number> {
            if (++runs === 1) throw new Error('column "x" does not exist');
            return 7;
          }
        }
        const task = new FailsOnce();
        task.onApplicationBootstrap();
        await jest.advanceTimersByTimeAsync(1_000);
        expect(error).toHaveBeenCalledTimes(1);
        expect(error.mock.calls[0][1]).toBe('fails once failed');
        await jest.advanceTimersByTimeAsync(1_000);
        expect(runs).toBe(2);
        expect(await task.tick()).toBe(7);
        expect(error).toHaveBeenCalledTimes(1);
        task.onModuleDestroy();
      } finally {
        error.mockRestore();
      }
    });

    it('on shutdown starts no run, tells the run under way it is stopping, and waits for it', async () => {
      const task = new HeldTask();
      task.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(task.runs).toBe(1);
      let stopped = false;
      const shutdown = task.beforeApplicationShutdown().then(() => (stopped = true));
      await jest.advanceTimersByTimeAsync(5 * 60_000);
      expect(stopped).toBe(false);
      expect(task.stoppingSeen()).toBe(true);
      task.finishRun();
      await shutdown;
      expect(stopped).toBe(true);
      await jest.advanceTimersByTimeAsync(5 * 60_000);
      expect(await task.tick()).toBe(0);
      expect(task.runs).toBe(1);
    });
  });

  it('part: a failing part is logged and counts 0, the next part still runs; once stopping it is not logged', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      class TwoParts extends PeriodicTask {
        protected readonly label = 'two parts';
        protected intervalMs(): number {
          return 60_000;
        }
        protected async run(): Promise<number> {
          const a = await this.part('first part failed', () => Promise.reject(new Error('boom')));
          const b = await this.part('second part failed', async () => 3);
          return a + b;
        }
      }
      const task = new TwoParts();
      expect(await task.tick()).toBe(3);
      expect(error.mock.calls.map(([, msg]) => msg)).toEqual(['first part failed']);
      const stopping = new TwoParts();
      stopping.onModuleDestroy();
      expect(await (stopping as unknown as { run(): Promise<number> }).run()).toBe(3);
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      error.mockRestore();
    }
  });
});
