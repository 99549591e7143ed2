import { RepeatedLog } from './repeated-log.js';

describe('RepeatedLog', () => {
  it('writes the first report, counts the repeats within the interval, and writes again after it with that count', () => {
    let now = 1_000;
    const lines: { source: string; err: string; suppressed: number }[] = [];
    const log = new RepeatedLog<{ source: string; err: string }>((fields) => lines.push(fields), 30_000, () => now);
    log.report({ source: 'queue scoring', err: 'connect ECONNREFUSED 127.0.0.1:1' });
    for (let i = 0; i < 25; i++) {
      now += 1_000;
      log.report({ source: i % 2 ? 'worker scoring' : 'queue webhooks', err: 'connect ECONNREFUSED 127.0.0.1:1' });
    }
    expect(lines).toEqual([{ source: 'queue scoring', err: 'connect ECONNREFUSED 127.0.0.1:1', suppressed: 0 }]);
    now += 5_000; // 30 s after the first line
    log.report({ source: 'worker programs', err: 'Connection is closed.' });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ source: 'worker programs', err: 'Connection is closed.', suppressed: 25 });
    now += 29_999;
    log.report({ source: 'queue scoring', err: 'x' });
    expect(lines).toHaveLength(2);
  });
});
