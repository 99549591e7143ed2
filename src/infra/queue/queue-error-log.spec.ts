import { QueueErrorLog } from './logged-queue.js';

describe('QueueErrorLog', () => {
  it('writes the first error, counts the repeats within the interval, and writes again after it with that count', () => {
    let now = 1_000;
    const lines: { source: string; err: string; suppressed: number }[] = [];
    const log = new QueueErrorLog((fields) => lines.push(fields), 30_000, () => now);
    log.report('queue scoring', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    for (let i = 0; i < 25; i++) {
      now += 1_000;
      log.report(i % 2 ? 'worker scoring' : 'queue webhooks', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    }
    expect(lines).toEqual([{ source: 'queue scoring', err: 'connect ECONNREFUSED 127.0.0.1:1', suppressed: 0 }]);
    now += 5_000; // 30 s after the first line
    log.report('worker programs', new Error('Connection is closed.'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ source: 'worker programs', err: 'Connection is closed.', suppressed: 25 });
    now += 29_999;
    log.report('queue scoring', new Error('x'));
    expect(lines).toHaveLength(2);
  });
});
