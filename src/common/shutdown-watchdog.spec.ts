import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { armShutdownWatchdog } from './shutdown-watchdog.js';

describe('the shutdown watchdog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const setup = () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    const timeouts: number[] = [];
    const signals: string[] = [];
    const disarm = armShutdownWatchdog({
      timeoutMs: 25_000,
      onTimeout: (ms) => timeouts.push(ms),
      onSignal: (signal) => signals.push(signal),
      target: target as unknown as Pick<NodeJS.Process, 'once' | 'removeListener'>,
      exit: (code) => exits.push(code),
    });
    return { target, exits, timeouts, signals, disarm };
  };

  it('does nothing until a stop signal arrives', async () => {
    const { exits } = setup();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(exits).toEqual([]);
  });

  it('exits with 1 when shutting down takes longer than the timeout after SIGTERM, saying why first', async () => {
    const { target, exits, timeouts } = setup();
    target.emit('SIGTERM');
    await jest.advanceTimersByTimeAsync(24_999);
    expect(exits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(timeouts).toEqual([25_000]);
    expect(exits).toEqual([1]);
  });

  it('counts from the first signal: a second one (SIGINT after SIGTERM) does not restart the clock', async () => {
    const { target, exits, signals } = setup();
    target.emit('SIGTERM');
    await jest.advanceTimersByTimeAsync(20_000);
    target.emit('SIGINT');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(exits).toEqual([1]);
    expect(signals).toEqual(['SIGTERM']); // "stopping" is said once
  });

  it('can be disarmed', async () => {
    const { target, exits, disarm } = setup();
    target.emit('SIGTERM');
    expect(jest.getTimerCount()).toBe(1);
    disarm();
    expect(jest.getTimerCount()).toBe(0);
    expect(target.listenerCount('SIGINT')).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(exits).toEqual([]);
  });

  it('does not keep the process alive: a shutdown that finishes exits as before', () => {
    jest.useRealTimers();
    const target = new EventEmitter();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const disarm = armShutdownWatchdog({ timeoutMs: 600_000, onTimeout: () => undefined, target: target as unknown as Pick<NodeJS.Process, 'once' | 'removeListener'>, exit: () => undefined });
    target.emit('SIGTERM');
    expect(timers()).toBe(before); // armed, but unreferenced
    disarm();
  });
});
