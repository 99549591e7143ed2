import { DateTime } from 'luxon';
import { DomainError } from '../../common/domain-error.js';
import { DEFAULT_OFFICE_WEEK, OfficeWeek } from './office-hours.js';
import { DEFAULT_SLA, slaDueAt, slaFor } from './sla.js';

function brussels(local: string): Date {
  return DateTime.fromISO(local, { zone: 'Europe/Brussels' }).toJSDate();
}
function inBrussels(at: Date): string {
  return DateTime.fromJSDate(at, { zone: 'Europe/Brussels' }).toFormat('ccc yyyy-MM-dd HH:mm');
}

describe('slaFor', () => {
  it('gives sales 15 office minutes for high intent, one office day ("24 hours") for medium and three ("72 hours") for low', () => {
    expect(slaFor('high')).toEqual({ officeMinutes: 15 });
    expect(slaFor('medium')).toEqual({ officeDays: 1 });
    expect(slaFor('low')).toEqual({ officeDays: 3 });
    expect(DEFAULT_SLA).toEqual({ high: { officeMinutes: 15 }, medium: { officeDays: 1 }, low: { officeDays: 3 } });
  });

  it('uses the configured time for a tier and the defaults for the others', () => {
    expect(slaFor('high', { high: { officeMinutes: 30 } })).toEqual({ officeMinutes: 30 });
    expect(slaFor('medium', { high: { officeMinutes: 30 } })).toEqual({ officeDays: 1 });
    expect(slaFor('medium', { medium: { officeMinutes: 1440 } })).toEqual({ officeMinutes: 1440 });
  });

  it('refuses a configuration without a positive response time', () => {
    expect(() => slaFor('high', { high: { officeMinutes: 0 } })).toThrow(DomainError);
    expect(() => slaFor('low', { low: { officeMinutes: Number.NaN } })).toThrow(DomainError);
    expect(() => slaFor('medium', { medium: { officeDays: 0 } })).toThrow(DomainError);
    expect(() => slaFor('medium', { medium: { officeDays: 1.5 } })).toThrow(DomainError);
  });
});

describe('slaDueAt', () => {
  it('a quote request on Friday 16:55 must be answered by Monday 09:10', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-09T16:55'), 'high', DEFAULT_OFFICE_WEEK))).toBe('Mon 2026-01-12 09:10');
  });

  it('a webinar MQL on Tuesday 10:00 must be answered by Wednesday 10:00: 24 hours, not three office days', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-06T10:00'), 'medium', DEFAULT_OFFICE_WEEK))).toBe('Wed 2026-01-07 10:00');
  });

  it('a webinar MQL on Friday 16:55 must be answered by Monday 16:55, and one on Saturday by Tuesday 09:00', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-09T16:55'), 'medium', DEFAULT_OFFICE_WEEK))).toBe('Mon 2026-01-12 16:55');
    expect(inBrussels(slaDueAt(brussels('2026-01-10T12:00'), 'medium', DEFAULT_OFFICE_WEEK))).toBe('Tue 2026-01-13 09:00');
  });

  it('a low-intent MQL on Monday 09:00 has until Thursday 09:00', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-05T09:00'), 'low', DEFAULT_OFFICE_WEEK))).toBe('Thu 2026-01-08 09:00');
  });

  it('keeps counting office minutes for a tier configured in minutes (SLA_MEDIUM_MINUTES=1440: three office days)', () => {
    expect(inBrussels(slaDueAt(brussels('2026-01-06T10:00'), 'medium', DEFAULT_OFFICE_WEEK, { medium: { officeMinutes: 1440 } }))).toBe('Fri 2026-01-09 10:00');
  });

  it("follows the team's own week, holidays and SLA", () => {
    const week: OfficeWeek = { ...DEFAULT_OFFICE_WEEK, holidays: ['2026-01-12'] };
    expect(inBrussels(slaDueAt(brussels('2026-01-09T16:55'), 'high', week, { high: { officeMinutes: 60 } }))).toBe('Tue 2026-01-13 09:55');
    expect(inBrussels(slaDueAt(brussels('2026-01-09T16:55'), 'medium', week))).toBe('Tue 2026-01-13 16:55');
  });
});
