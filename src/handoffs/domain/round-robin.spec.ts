import fc from 'fast-check';
import { RepState, pickOwner } from './round-robin.js';

function rep(id: string, extra: Partial<RepState> = {}): RepState {
  return { id, weight: 1, active: true, locales: ['nl'], regions: [], assigned: 0, ...extra };
}

/** Hands out `n` leads, recording each pick the way the service would, and returns the owners in order. */
function assign(reps: RepState[], n: number, locale?: string | null, country?: string | null): string[] {
  const owners: string[] = [];
  for (let i = 0; i < n; i++) {
    const owner = pickOwner(reps, locale, country);
    if (owner === null) throw new Error('nobody picked');
    owners.push(owner);
    reps.find((r) => r.id === owner)!.assigned += 1;
  }
  return owners;
}

describe('pickOwner', () => {
  it('rotates through reps of equal weight in a fixed order', () => {
    expect(assign([rep('carla'), rep('ahmed'), rep('bert')], 6)).toEqual(['ahmed', 'bert', 'carla', 'ahmed', 'bert', 'carla']);
  });

  it('gives a rep with weight 2 twice as many leads as a rep with weight 1', () => {
    const owners = assign([rep('senior', { weight: 2 }), rep('junior')], 30);
    expect(owners.filter((o) => o === 'senior')).toHaveLength(20);
    expect(owners.filter((o) => o === 'junior')).toHaveLength(10);
  });

  it('does not let a heavy rep take a long run of leads in a row', () => {
    const reps = [rep('lead-seller', { weight: 10 }), ...Array.from({ length: 10 }, (_, i) => rep(`rep-${i}`))];
    const firstFour = assign(reps, 4);
    expect(firstFour.filter((o) => o === 'lead-seller')).toHaveLength(2);
  });

  it('never picks an inactive rep or a rep with weight 0', () => {
    const owners = assign([rep('away', { active: false, weight: 5 }), rep('paused', { weight: 0 }), rep('working')], 5);
    expect(new Set(owners)).toEqual(new Set(['working']));
  });

  it('returns null when nobody can take the lead', () => {
    expect(pickOwner([])).toBeNull();
    expect(pickOwner([rep('away', { active: false }), rep('paused', { weight: 0 })], 'nl')).toBeNull();
  });

  it('is deterministic: the same state gives the same owner whatever the order of the list', () => {
    const reps = [rep('b', { assigned: 1 }), rep('a', { assigned: 1 }), rep('c', { assigned: 2 })];
    expect(pickOwner(reps)).toBe('a');
    expect(pickOwner([...reps].reverse())).toBe('a');
  });

  it('continues fairly from persisted counters', () => {
    expect(pickOwner([rep('ahmed', { assigned: 3 }), rep('bert', { assigned: 2 })])).toBe('bert');
  });
});

describe('pickOwner with languages', () => {
  const team = () => [
    rep('anneleen', { locales: ['nl'] }),
    rep('bruno', { locales: ['fr', 'nl'] }),
    rep('claire', { locales: ['fr-BE'] }),
    rep('dirk', { locales: ['nl-BE'] }),
  ];

  it('a French-speaking lead goes only to reps who speak French', () => {
    expect(new Set(assign(team(), 8, 'fr'))).toEqual(new Set(['bruno', 'claire']));
  });

  it('prefers an exact locale match over a language match', () => {
    expect(new Set(assign(team(), 4, 'nl-BE'))).toEqual(new Set(['dirk']));
  });

  it('matches on language when nobody serves the exact locale', () => {
    expect(new Set(assign(team(), 6, 'nl-NL'))).toEqual(new Set(['anneleen', 'bruno', 'dirk']));
    expect(new Set(assign(team(), 6, 'fr_FR'))).toEqual(new Set(['bruno', 'claire']));
  });

  it('falls back to everyone when nobody speaks the language, or the lead has none', () => {
    expect(new Set(assign(team(), 4, 'de'))).toEqual(new Set(['anneleen', 'bruno', 'claire', 'dirk']));
    expect(new Set(assign(team(), 4, null))).toEqual(new Set(['anneleen', 'bruno', 'claire', 'dirk']));
  });

  it('skips an inactive French speaker rather than sending the lead to a Dutch-only rep', () => {
    const reps = [rep('claire', { locales: ['fr'], active: false }), rep('bruno', { locales: ['fr'] }), rep('anneleen')];
    expect(assign(reps, 3, 'fr')).toEqual(['bruno', 'bruno', 'bruno']);
  });
});

describe('pickOwner with territories', () => {
  const team = () => [
    rep('britt', { locales: ['nl'], regions: ['BE', 'LU'] }),
    rep('benoit', { locales: ['fr'], regions: ['BE'] }),
    rep('noor', { locales: ['nl'], regions: ['NL'] }),
    rep('anna', { locales: ['nl'] }),
    rep('frank', { locales: ['fr', 'de'] }),
  ];

  it("gives a lead to the reps whose territory covers its country, over a language-only match", () => {
    // Anna speaks Dutch and has no territory; the Belgian lead goes to the Belgium team and, within it, to the Dutch speaker.
    expect(new Set(assign(team(), 4, 'nl', 'BE'))).toEqual(new Set(['britt']));
    expect(new Set(assign(team(), 4, 'fr-BE', 'BE'))).toEqual(new Set(['benoit']));
    expect(new Set(assign(team(), 4, 'nl', 'NL'))).toEqual(new Set(['noor']));
  });

  it('lets territory win over language: a German-speaking Belgian lead stays with the Belgium team, in turn', () => {
    expect(assign(team(), 4, 'de', 'BE')).toEqual(['benoit', 'britt', 'benoit', 'britt']);
  });

  it('falls back to the reps without a territory when no territory covers the country, or the lead has none', () => {
    expect(new Set(assign(team(), 4, 'nl', 'DE'))).toEqual(new Set(['anna']));
    expect(new Set(assign(team(), 4, 'fr', 'FR'))).toEqual(new Set(['frank']));
    expect(new Set(assign(team(), 4, 'nl', null))).toEqual(new Set(['anna']));
    expect(new Set(assign(team(), 4, 'es', undefined))).toEqual(new Set(['anna', 'frank']));
  });

  it('falls back to every rep when all of them have a territory elsewhere', () => {
    const reps = [rep('britt', { regions: ['BE'] }), rep('noor', { regions: ['NL'] }), rep('otto', { locales: ['de'], regions: ['DE'] })];
    expect(new Set(assign(reps, 4, 'nl', 'NL'))).toEqual(new Set(['noor']));
    expect(new Set(assign(reps, 6, 'nl', 'FR'))).toEqual(new Set(['britt', 'noor']));
    expect(new Set(assign(reps, 3, 'de', null))).toEqual(new Set(['otto']));
  });

  it('skips an inactive or paused rep of the territory, and goes elsewhere when nobody of it can take the lead', () => {
    const reps = [rep('britt', { regions: ['BE'], active: false }), rep('bart', { regions: ['BE'], weight: 0 }), rep('anna'), rep('otto', { regions: ['DE'] })];
    expect(assign(reps, 2, 'nl', 'BE')).toEqual(['anna', 'anna']);
  });

  it('keeps the weighted round robin within the territory', () => {
    const reps = [rep('senior', { regions: ['BE'], weight: 2 }), rep('junior', { regions: ['BE'] }), rep('anna', { weight: 5 })];
    const owners = assign(reps, 30, 'nl', 'BE');
    expect(owners.filter((o) => o === 'senior')).toHaveLength(20);
    expect(owners.filter((o) => o === 'junior')).toHaveLength(10);
  });
});

describe('pickOwner territories (property)', () => {
  const COUNTRIES = ['BE', 'NL', 'LU', 'FR'];
  const LOCALES = ['nl', 'fr', 'nl-BE', 'de'];
  const member = fc.record({
    weight: fc.integer({ min: 0, max: 5 }),
    active: fc.boolean(),
    locales: fc.subarray(LOCALES),
    regions: fc.subarray(COUNTRIES),
    assigned: fc.integer({ min: 0, max: 5 }),
  });
  const lead = fc.record({ locale: fc.constantFrom<string | null>(null, ...LOCALES), country: fc.constantFrom<string | null>(null, 'DE', ...COUNTRIES) });

  it('picks from the territory that covers the country, else from the reps without a territory, else from anyone', () => {
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 8 }), lead, (members, { locale, country }) => {
        const reps = members.map((m, i) => rep(`rep-${i}`, m));
        const owner = pickOwner(reps, locale, country);
        const available = reps.filter((r) => r.active && r.weight > 0);
        if (available.length === 0) return expect(owner).toBeNull();
        const chosen = reps.find((r) => r.id === owner)!;
        expect(available).toContain(chosen);
        const covering = available.filter((r) => country !== null && r.regions.includes(country));
        const everywhere = available.filter((r) => r.regions.length === 0);
        if (covering.length > 0) expect(covering).toContain(chosen);
        else if (everywhere.length > 0) expect(everywhere).toContain(chosen);
        // The same state in another order gives the same owner.
        expect(pickOwner([...reps].reverse(), locale, country)).toBe(owner);
      }),
    );
  });

  it("keeps every rep of the chosen group within one of their weighted share, whatever the lead's country", () => {
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 8 }), fc.constantFrom(...COUNTRIES), fc.integer({ min: 1, max: 60 }), (members, country, n) => {
        const reps = members.map((m, i) => rep(`rep-${i}`, { ...m, assigned: 0 }));
        const available = reps.filter((r) => r.active && r.weight > 0);
        const covering = available.filter((r) => r.regions.includes(country));
        const everywhere = available.filter((r) => r.regions.length === 0);
        const group = covering.length ? covering : everywhere.length ? everywhere : available;
        const totalWeight = group.reduce((sum, r) => sum + r.weight, 0);
        for (let picked = 1; picked <= n; picked++) {
          const owner = pickOwner(reps, null, country);
          if (group.length === 0) return expect(owner).toBeNull();
          reps.find((r) => r.id === owner)!.assigned += 1;
          for (const r of group) expect(Math.abs(r.assigned - (picked * r.weight) / totalWeight)).toBeLessThan(1);
        }
        expect(reps.filter((r) => !group.includes(r)).every((r) => r.assigned === 0)).toBe(true);
      }),
    );
  });
});

describe('pickOwner fairness (property)', () => {
  const team = fc.array(
    fc.record({ weight: fc.integer({ min: 0, max: 12 }), active: fc.boolean() }),
    { minLength: 1, maxLength: 8 },
  );

  it("after every assignment each active rep's count is within one of N·weight/Σweights", () => {
    fc.assert(
      fc.property(team, fc.integer({ min: 1, max: 200 }), (members, n) => {
        const reps = members.map((m, i) => rep(`rep-${i}`, m));
        const eligible = reps.filter((r) => r.active && r.weight > 0);
        const totalWeight = eligible.reduce((sum, r) => sum + r.weight, 0);
        for (let picked = 1; picked <= n; picked++) {
          const owner = pickOwner(reps);
          if (eligible.length === 0) {
            expect(owner).toBeNull();
            return;
          }
          const chosen = reps.find((r) => r.id === owner)!;
          expect(chosen.active && chosen.weight > 0).toBe(true);
          chosen.assigned += 1;
          for (const r of eligible) {
            expect(Math.abs(r.assigned - (picked * r.weight) / totalWeight)).toBeLessThan(1);
          }
        }
        expect(reps.filter((r) => !eligible.includes(r)).every((r) => r.assigned === 0)).toBe(true);
      }),
    );
  });
});
