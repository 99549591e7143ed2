import { DEFAULT_OFFICE_WEEK, parseClockTime, validateOfficeWeek } from './office-week.js';

function withDays(days: Record<string, unknown>): unknown {
  return { ...DEFAULT_OFFICE_WEEK, days: { ...DEFAULT_OFFICE_WEEK.days, ...days } };
}

describe('validateOfficeWeek', () => {
  it('accepts the default week: Monday to Friday 09:00–17:00 in Brussels', () => {
    expect(validateOfficeWeek(DEFAULT_OFFICE_WEEK)).toEqual([]);
    expect(DEFAULT_OFFICE_WEEK.zone).toBe('Europe/Brussels');
    expect(DEFAULT_OFFICE_WEEK.days.fri).toEqual([{ from: '09:00', to: '17:00' }]);
    expect(DEFAULT_OFFICE_WEEK.days.sat).toEqual([]);
  });

  it('accepts a lunch break, a desk open until midnight and holidays', () => {
    const week = withDays({
      mon: [
        { from: '13:00', to: '17:00' },
        { from: '09:00', to: '12:00' },
      ],
      sat: [{ from: '18:00', to: '24:00' }],
    });
    expect(validateOfficeWeek({ ...(week as object), holidays: ['2026-12-25', '2026-04-06'] })).toEqual([]);
  });

  it('refuses something that is not a week at all', () => {
    expect(validateOfficeWeek(null)).toEqual([{ field: 'week', message: expect.any(String) }]);
    expect(validateOfficeWeek([])).toEqual([{ field: 'week', message: expect.any(String) }]);
  });

  it('names an unknown time zone', () => {
    expect(validateOfficeWeek({ ...DEFAULT_OFFICE_WEEK, zone: 'Europe/Atlantis' })).toEqual([
      { field: 'zone', message: 'must be an IANA time zone such as Europe/Brussels' },
    ]);
  });

  it('names a missing day, an unknown day and an unknown field', () => {
    const { sun: _sun, ...sixDays } = DEFAULT_OFFICE_WEEK.days;
    const errors = validateOfficeWeek({ ...DEFAULT_OFFICE_WEEK, days: { ...sixDays, funday: [] }, owner: 'x' });
    expect(errors.map((e) => e.field).sort()).toEqual(['days.funday', 'days.sun', 'owner']);
  });

  it.each([
    ['an hour without leading zero', { from: '9:00', to: '17:00' }, 'days.mon[0].from'],
    ['an hour past the day', { from: '09:00', to: '25:00' }, 'days.mon[0].to'],
    ['24:00 as a start', { from: '24:00', to: '24:00' }, 'days.mon[0].from'],
    ['a closing before the opening', { from: '17:00', to: '09:00' }, 'days.mon[0].to'],
    ['an empty opening', { from: '09:00', to: '09:00' }, 'days.mon[0].to'],
  ])('names %s', (_label, interval, field) => {
    expect(validateOfficeWeek(withDays({ mon: [interval] })).map((e) => e.field)).toContain(field);
  });

  it('refuses overlapping openings on one day', () => {
    const errors = validateOfficeWeek(
      withDays({
        tue: [
          { from: '09:00', to: '13:00' },
          { from: '12:00', to: '17:00' },
        ],
      }),
    );
    expect(errors).toEqual([{ field: 'days.tue[1]', message: 'overlaps days.tue[0]' }]);
  });

  it('refuses a week without a single opening', () => {
    const closed = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
    expect(validateOfficeWeek({ ...DEFAULT_OFFICE_WEEK, days: closed })).toEqual([
      { field: 'days', message: 'must have at least one opening in the week' },
    ]);
  });

  it('refuses holidays that are not calendar dates', () => {
    const errors = validateOfficeWeek({ ...DEFAULT_OFFICE_WEEK, holidays: ['2026-02-30', '25/12/2026', 20261225, '2026-12-25'] });
    expect(errors.map((e) => e.field)).toEqual(['holidays[0]', 'holidays[1]', 'holidays[2]']);
  });

  it('keeps the shared default week from being changed by accident', () => {
    expect(() => DEFAULT_OFFICE_WEEK.holidays.push('2026-01-01')).toThrow(TypeError);
    expect(DEFAULT_OFFICE_WEEK.holidays).toEqual([]);
  });
});

describe('parseClockTime', () => {
  it('reads HH:mm as minutes after midnight, with 24:00 only as an end', () => {
    expect(parseClockTime('00:00')).toBe(0);
    expect(parseClockTime('17:30')).toBe(17 * 60 + 30);
    expect(parseClockTime('24:00')).toBeNull();
    expect(parseClockTime('24:00', true)).toBe(1440);
    expect(parseClockTime('12:60')).toBeNull();
    expect(parseClockTime(900)).toBeNull();
  });
});
