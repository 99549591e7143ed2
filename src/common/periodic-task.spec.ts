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
});
