import { DateTime } from 'luxon';
import { WEEKDAYS, type OfficeWeek } from './office-hours.js';

/** Test fixtures shared by the office-hours and office-days specs. */
export const BRUSSELS = 'Europe/Brussels';

/** A Brussels wall-clock time as an instant. */
export function brussels(local: string): Date {
  return DateTime.fromISO(local, { zone: BRUSSELS }).toJSDate();
}

/** An instant shown as Brussels wall-clock time with the weekday, e.g. `Mon 2026-03-30 09:10`. */
export function inBrussels(at: Date): string {
  return DateTime.fromJSDate(at, { zone: BRUSSELS }).toFormat('ccc yyyy-MM-dd HH:mm');
}

export function weekWith(days: Partial<OfficeWeek['days']>, extra: Partial<OfficeWeek> = {}): OfficeWeek {
  const closed = Object.fromEntries(WEEKDAYS.map((d) => [d, []])) as unknown as OfficeWeek['days'];
  return { zone: BRUSSELS, days: { ...closed, ...days }, holidays: [], ...extra };
}

export const nineToFive = [{ from: '09:00', to: '17:00' }];
export const withLunch = [
  { from: '09:00', to: '12:00' },
  { from: '13:00', to: '17:00' },
];
export const LUNCH_WEEK = weekWith({ mon: withLunch, tue: withLunch, wed: withLunch, thu: withLunch, fri: withLunch });
export function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

export function clock(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}
