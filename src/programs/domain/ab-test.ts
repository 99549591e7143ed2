/**
 * A/B results for an email step: each variant's rate against the first variant (the control), with a
 * two-sided two-proportion z-test. Pure arithmetic, so the stats endpoint and its tests share it.
 */

export interface Proportion {
  /** Leads (messages) that did the thing: opened or clicked. */
  successes: number;
  /** Messages the rate is taken over (delivered when known, else sent). */
  trials: number;
}

export interface ProportionComparison {
  /** Variant rate minus control rate, in percentage points (e.g. 2.5 means +2.5 pp). */
  differencePoints: number;
  /** Relative change against the control rate; null when the control rate is 0. */
  relativeChange: number | null;
  /** Pooled two-proportion z statistic; null when it is undefined (no trials, or a pooled rate of 0 or 1). */
  z: number | null;
  /** Two-sided p-value; null when z is undefined. */
  pValue: number | null;
  /** p < alpha, and each group has at least `minTrials` trials. */
  significant: boolean;
}

/** Below this many messages per variant the normal approximation is too rough to call anything significant. */
export const MIN_TRIALS_FOR_SIGNIFICANCE = 30;

export function rate(p: Proportion): number {
  return p.trials > 0 ? p.successes / p.trials : 0;
}

/** Compares `variant` with `control`; alpha defaults to 0.05 (95 % confidence). */
export function compareProportions(control: Proportion, variant: Proportion, alpha = 0.05): ProportionComparison {
  assertProportion(control);
  assertProportion(variant);
  const p1 = rate(control);
  const p2 = rate(variant);
  const differencePoints = round((p2 - p1) * 100, 4);
  const relativeChange = p1 > 0 ? round((p2 - p1) / p1, 4) : null;
  const n1 = control.trials;
  const n2 = variant.trials;
  const pooled = n1 + n2 > 0 ? (control.successes + variant.successes) / (n1 + n2) : 0;
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (!(n1 > 0 && n2 > 0 && variance > 0)) return { differencePoints, relativeChange, z: null, pValue: null, significant: false };
  const z = (p2 - p1) / Math.sqrt(variance);
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return {
    differencePoints,
    relativeChange,
    z: round(z, 4),
    pValue: round(pValue, 6),
    significant: pValue < alpha && n1 >= MIN_TRIALS_FOR_SIGNIFICANCE && n2 >= MIN_TRIALS_FOR_SIGNIFICANCE,
  };
}

/** Standard normal CDF, through the complementary error function below. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function, Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function assertProportion(p: Proportion): void {
  if (!(Number.isInteger(p.trials) && Number.isInteger(p.successes) && p.trials >= 0 && p.successes >= 0 && p.successes <= p.trials)) {
    throw new RangeError(`Not a proportion: ${p.successes}/${p.trials}.`);
  }
}

/** Rounds half away from zero, so that rounding -x gives exactly minus the rounding of x. */
function round(n: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(Math.abs(n) * f) / f;
  return n < 0 ? -r : r;
}
