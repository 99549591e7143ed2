import fc from 'fast-check';
import { addBusinessDays, addDuration, parseDuration } from './duration.js';
import { DEFAULT_SEND_WINDOW } from './program-definition.js';
import { nextSendTime } from './send-window.js';
import { timeAfter, windowOpening } from './time-memo.js';

describe('memoised calendar arithmetic', () => {
  const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }).map((ms) => new Date(ms));
  const zone = fc.constantFrom('Europe/Brussels', 'America/New_York', 'Asia/Tokyo');

  it('gives the same answers as the functions it remembers, asked once or twice', () => {
    fc.assert(
      fc.property(instant, zone, fc.constantFrom('P3D', 'PT2H', 'P1M', 'P1DT12H'), (at, z, d) => {
        const expected = addDuration(at, parseDuration(d)!, z).getTime();
        expect(timeAfter(at, d, z).getTime()).toBe(expected);
        expect(timeAfter(at, d, z).getTime()).toBe(expected);
      }),
    );
    fc.assert(
      fc.property(instant, zone, fc.integer({ min: 1, max: 10 }), (at, z, days) => {
        expect(timeAfter(at, `P${days}D`, z, true).getTime()).toBe(addBusinessDays(at, days, z).getTime());
        expect(windowOpening(at, DEFAULT_SEND_WINDOW, z).getTime()).toBe(nextSendTime(at, DEFAULT_SEND_WINDOW, z).getTime());
      }),
    );
  });

  it('skips the holidays it is given in business days, and tells two lists of holidays apart', () => {
    const thursday = new Date('2026-04-02T08:00:00Z'); // before Easter Monday, 6 April 2026
    const easter = ['2026-04-06'];
    expect(timeAfter(thursday, 'P2D', 'Europe/Brussels', true).toISOString()).toBe('2026-04-06T08:00:00.000Z');
    expect(timeAfter(thursday, 'P2D', 'Europe/Brussels', true, easter).toISOString()).toBe('2026-04-07T08:00:00.000Z');
    expect(timeAfter(thursday, 'P2D', 'Europe/Brussels', true, ['2026-04-06', '2026-04-07']).toISOString()).toBe('2026-04-08T08:00:00.000Z');
    expect(timeAfter(thursday, 'P2D', 'Europe/Brussels', true, easter).toISOString()).toBe('2026-04-07T08:00:00.000Z');
    // Calendar days are not business days: holidays do not move them.
    expect(timeAfter(thursday, 'P2D', 'Europe/Brussels', false, easter).toISOString()).toBe('2026-04-04T08:00:00.000Z');
  });
});
