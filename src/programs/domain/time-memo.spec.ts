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
});
