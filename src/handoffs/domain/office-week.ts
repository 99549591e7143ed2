import { DateTime, IANAZone } from 'luxon';
import { FieldError } from '../../common/domain-error.js';

/** Days of the week in ISO order (Monday first), as keys of {@link OfficeWeek.days}. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * One opening on a day in local wall-clock time, `'HH:mm'`: `from` inclusive, `to` exclusive.
 * `to` may be `'24:00'` (open until midnight).
 */
export interface OfficeInterval {
  from: string;
  to: string;
}

/** When sales is at work: openings per weekday in one time zone, minus holidays (local `'YYYY-MM-DD'` dates). */
export interface OfficeWeek {
  zone: string;
  days: Record<Weekday, OfficeInterval[]>;
  holidays: string[];
}

/** Monday to Friday 09:00–17:00 in Brussels, no holidays. */
export const DEFAULT_OFFICE_WEEK: OfficeWeek = deepFreeze({
  zone: 'Europe/Brussels',
  days: {
    mon: [{ from: '09:00', to: '17:00' }],
    tue: [{ from: '09:00', to: '17:00' }],
    wed: [{ from: '09:00', to: '17:00' }],
    thu: [{ from: '09:00', to: '17:00' }],
    fri: [{ from: '09:00', to: '17:00' }],
    sat: [],
    sun: [],
  },
  holidays: [],
});

const TIME = /^(\d{2}):(\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Minutes after local midnight for `'HH:mm'` (00:00–23:59, or 24:00 when `allowMidnightEnd`), else null. */
export function parseClockTime(value: unknown, allowMidnightEnd = false): number | null {
  if (typeof value !== 'string') return null;
  const m = TIME.exec(value);
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (allowMidnightEnd && hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/**
 * Checks an office week as it arrives from configuration or an API body.
 * Returns the problems, one per field; an empty list means `input` is a usable {@link OfficeWeek}:
 * a known IANA zone, all seven days, ordered non-overlapping openings, real holiday dates,
 * and at least one opening in the week.
 */
export function validateOfficeWeek(input: unknown): FieldError[] {
  if (!isRecord(input)) return [{ field: 'week', message: 'must be an object with zone, days and holidays' }];
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (!['zone', 'days', 'holidays'].includes(key)) errors.push({ field: key, message: 'is not a known field' });
  }

  if (typeof input.zone !== 'string' || !IANAZone.isValidZone(input.zone)) {
    errors.push({ field: 'zone', message: 'must be an IANA time zone such as Europe/Brussels' });
  }

  if (!isRecord(input.days)) {
    errors.push({ field: 'days', message: 'must be an object with mon … sun' });
  } else {
    let openings = 0;
    for (const key of Object.keys(input.days)) {
      if (!(WEEKDAYS as readonly string[]).includes(key)) errors.push({ field: `days.${key}`, message: 'is not a day of the week' });
    }
    for (const day of WEEKDAYS) {
      const intervals = input.days[day];
      if (!Array.isArray(intervals)) {
        errors.push({ field: `days.${day}`, message: 'must be a list of openings ([] when closed)' });
        continue;
      }
      const dayErrors = validateDay(`days.${day}`, intervals);
      errors.push(...dayErrors);
      if (dayErrors.length === 0) openings += intervals.length;
    }
    if (openings === 0 && !errors.some((e) => e.field.startsWith('days'))) {
      errors.push({ field: 'days', message: 'must have at least one opening in the week' });
    }
  }

  if (!Array.isArray(input.holidays)) {
    errors.push({ field: 'holidays', message: 'must be a list of YYYY-MM-DD dates' });
  } else {
    input.holidays.forEach((h, i) => {
      if (typeof h !== 'string' || !DATE.test(h) || !DateTime.fromISO(h).isValid) {
        errors.push({ field: `holidays[${i}]`, message: 'must be a calendar date YYYY-MM-DD' });
      }
    });
  }
  return errors;
}

function validateDay(field: string, intervals: unknown[]): FieldError[] {
  const errors: FieldError[] = [];
  const parsed: { from: number; to: number; index: number }[] = [];
  intervals.forEach((interval, index) => {
    const at = `${field}[${index}]`;
    if (!isRecord(interval)) {
      errors.push({ field: at, message: 'must be an object with from and to' });
      return;
    }
    const from = parseClockTime(interval.from);
    const to = parseClockTime(interval.to, true);
    if (from === null) errors.push({ field: `${at}.from`, message: 'must be a time HH:mm between 00:00 and 23:59' });
    if (to === null) errors.push({ field: `${at}.to`, message: 'must be a time HH:mm between 00:01 and 24:00' });
    if (from === null || to === null) return;
    if (to <= from) errors.push({ field: `${at}.to`, message: 'must be later than from' });
    else parsed.push({ from, to, index });
  });
  parsed.sort((a, b) => a.from - b.from);
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].from < parsed[i - 1].to) {
      errors.push({ field: `${field}[${parsed[i].index}]`, message: `overlaps ${field}[${parsed[i - 1].index}]` });
    }
  }
  return errors;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
