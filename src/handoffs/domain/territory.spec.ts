import fc from 'fast-check';
import { parseRegions, territoryCountry } from './territory.js';

describe('territoryCountry', () => {
  it('reads an ISO 3166-1 alpha-2 code in any case as the upper-case code', () => {
    expect(territoryCountry('BE')).toBe('BE');
    expect(territoryCountry('be')).toBe('BE');
    expect(territoryCountry(' nl ')).toBe('NL');
  });

  it('reads anything else as no country', () => {
    for (const raw of [undefined, null, '', 'Belgium', 'BEL', 'XX', 'B', 'B3', 32, ['BE'], { code: 'BE' }]) {
      expect(territoryCountry(raw)).toBeNull();
    }
  });
});

describe('parseRegions', () => {
  it('takes assigned codes, upper-cased, each once, in the order given', () => {
    expect(parseRegions(['BE', 'lu', 'Nl', 'be'])).toEqual({ regions: ['BE', 'LU', 'NL'], errors: [] });
    expect(parseRegions([])).toEqual({ regions: [], errors: [] });
  });

  it('names each entry that is not an assigned alpha-2 code', () => {
    const { errors } = parseRegions(['BE', 'XX', 'BEL', ' FR', 'Belgium', '']);
    expect(errors.map((e) => e.field)).toEqual(['regions[1]', 'regions[2]', 'regions[3]', 'regions[4]', 'regions[5]']);
    expect(errors[0].message).toMatch(/ISO 3166-1 alpha-2/);
  });

  it('accepts exactly the codes territoryCountry reads as a country (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('BE', 'be', 'xx', ' BE', 'Fr')), (code) => {
        const { regions, errors } = parseRegions([code]);
        const country = territoryCountry(code);
        if (code === code.trim() && country !== null) expect(regions).toEqual([country]);
        else expect(errors).toHaveLength(1);
      }),
    );
  });
});
