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
});
