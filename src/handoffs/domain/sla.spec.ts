import { DateTime } from 'luxon';
import { DomainError } from '../../common/domain-error.js';
import { DEFAULT_OFFICE_WEEK, OfficeWeek } from './office-hours.js';
import { DEFAULT_SLA_MINUTES, slaDueAt, slaFor } from './sla.js';

function brussels(local: string): Date {
  return DateTime.fromISO(local, { zone: 'Europe/Brussels' }).toJSDate();
}
function inBrussels(at: Date): string {
  return DateTime.fromJSDate(at, { zone: 'Europe/Brussels' }).toFormat('ccc yyyy-MM-dd HH:mm');
}

describe('slaFor', () => {
  it('gives sales 15 office minutes for high intent, 24 office hours for medium and 72 for low', () => {
    expect(slaFor('high')).toBe(15);
    expect(slaFor('medium')).toBe(1440);
    expect(slaFor('low')).toBe(4320);
    expect(DEFAULT_SLA_MINUTES).toEqual({ high: 15, medium: 1440, low: 4320 });
  });

  it('uses the configured minutes for a tier and the defaults for the others', () => {
    expect(slaFor('high', { high: 30 })).toBe(30);
    expect(slaFor('medium', { high: 30 })).toBe(1440);
  });

  it('refuses a configuration without a positive response time', () => {
    expect(() => slaFor('high', { high: 0 })).toThrow(DomainError);
    expect(() => slaFor('low', { low: Number.NaN })).toThrow(DomainError);
  });
});

describe('slaDueAt', () => {
  it('a quote request on Friday 16:55 must be answered by Monday 09:10', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-09T16:55'), 'high', DEFAULT_OFFICE_WEEK))).toBe('Mon 2026-01-12 09:10');
  });

  it('a webinar MQL on Tuesday 10:00 must be answered by Friday 10:00', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-06T10:00'), 'medium', DEFAULT_OFFICE_WEEK))).toBe('Fri 2026-01-09 10:00');
  });

  it('a low-intent MQL on Monday 09:00 has until Thursday of the next week at closing time', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-05T09:00'), 'low', DEFAULT_OFFICE_WEEK))).toBe('Thu 2026-01-15 17:00');
  });

  it("follows the team's own week, holidays and SLA", () => {
    const week: OfficeWeek = { ...DEFAULT_OFFICE_WEEK, holidays: ['2026-01-12'] };
    expect(inBrussels(slaDueAt(brussels('2026-01-09T16:55'), 'high', week, { high: 60 }))).toBe('Tue 2026-01-13 09:55');
  });
});
