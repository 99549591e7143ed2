/** A sales rep as the round robin sees them. */
export interface RepState {
  id: string;
  /** Relative share of new hand-offs; 0 takes none (such a rep can still be given one by hand). Whole numbers keep the arithmetic exact. */
  weight: number;
  active: boolean;
  /** Languages or locales the rep serves, e.g. `nl`, `fr-BE`. */
  locales: string[];
  /** The rep's territory: upper-case ISO 3166-1 alpha-2 country codes, e.g. `BE`; empty serves every country. */
  regions: string[];
  /** Hand-offs assigned so far in the current cycle; the caller persists it and adds one per pick. */
  assigned: number;
}

/**
 * Picks the owner of the next hand-off, or null when no rep can take it.
 *
 * Only active reps with a positive weight take part. The group that takes turns is chosen by territory first,
 * then by language within it:
 * 1. Territory (preferTerritory): reps whose regions include the lead's country (upper-case alpha-2, see
 *    territoryCountry); when none do, or the lead has no country, reps without a territory (regions empty); when
 *    every available rep has a territory elsewhere, all of them.
 * 2. Language (preferLocale), within that group: when the lead has a locale (callers pass DEFAULT_LOCALE for a lead
 *    without one), reps serving exactly that locale are preferred (`nl-BE`), then reps speaking the same language
 *    (`nl`, `nl-NL`), then the whole group.
 * Territory wins over language: a Belgian lead in German goes to the Belgium team (and to whoever of them takes
 * their turn) rather than to a German speaker without a territory.
 *
 * Within the chosen group the pick is the rep with the lowest `(assigned + 1) / weight` (ties by id), among the
 * reps still below their share for the next hand-off (`assigned < (N + 1) · weight / Σweight`, N the
 * group's assignments so far). That limit keeps every rep within one hand-off of their weighted share
 * after any number of picks; without it a heavy rep would take a long run of hand-offs in a row.
 * The result depends only on the given state, so the same state always gives the same owner.
 */
export function pickOwner(reps: RepState[], leadLocale?: string | null, leadCountry?: string | null): string | null {
  const available = reps.filter((r) => r.active && Number.isFinite(r.weight) && r.weight > 0);
  const group = preferLocale(preferTerritory(available, leadCountry), leadLocale);
  if (group.length === 0) return null;

  const totalWeight = group.reduce((sum, r) => sum + r.weight, 0);
  const assignedSoFar = group.reduce((sum, r) => sum + r.assigned, 0);
  const belowShare = group.filter((r) => r.assigned * totalWeight < (assignedSoFar + 1) * r.weight);
  const candidates = belowShare.length > 0 ? belowShare : group;

  let best = candidates[0];
  for (const rep of candidates.slice(1)) {
    // (rep.assigned + 1) / rep.weight vs (best.assigned + 1) / best.weight, without division.
    const diff = (rep.assigned + 1) * best.weight - (best.assigned + 1) * rep.weight;
    if (diff < 0 || (diff === 0 && rep.id < best.id)) best = rep;
  }
  return best.id;
}

/** Reps whose territory covers the lead's country, else reps without a territory, else all of them. */
function preferTerritory(reps: RepState[], leadCountry?: string | null): RepState[] {
  // Both sides are upper-case alpha-2 codes already: territoryCountry made the lead's, parseRegions (and the table's check) the reps'.
  if (leadCountry) {
    const covering = reps.filter((r) => r.regions.includes(leadCountry));
    if (covering.length > 0) return covering;
  }
  const everywhere = reps.filter((r) => r.regions.length === 0);
  return everywhere.length > 0 ? everywhere : reps;
}

/** Reps serving the lead's exact locale (when it names a region), else its language, else all of them. */
function preferLocale(reps: RepState[], leadLocale?: string | null): RepState[] {
  if (!leadLocale) return reps;
  const wanted = normalise(leadLocale);
  const language = primaryLanguage(wanted);
  if (wanted !== language) {
    const exact = reps.filter((r) => r.locales.some((l) => normalise(l) === wanted));
    if (exact.length > 0) return exact;
  }
  const sameLanguage = reps.filter((r) => r.locales.some((l) => primaryLanguage(l) === language));
  return sameLanguage.length > 0 ? sameLanguage : reps;
}

function normalise(locale: string): string {
  return locale.trim().toLowerCase().replaceAll('_', '-');
}

function primaryLanguage(locale: string): string {
  return normalise(locale).split('-')[0];
}
