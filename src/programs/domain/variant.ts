import { createHash } from 'node:crypto';
import type { EmailVariant } from './program-definition.js';

/** Variant labels in order: A, B, C… */
export function variantLabel(index: number): string {
  return String.fromCharCode(65 + index);
}

/**
 * Picks an A/B variant for one enrollment and step: weighted, and fixed — the same enrollment
 * always gets the same variant (a hash of its id and the step), so a lead sees one version.
 */
export function pickVariant(enrollmentId: string, stepId: string, variants: readonly EmailVariant[]): { index: number; label: string } {
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  if (variants.length === 0 || total <= 0) throw new RangeError('A/B variants need a positive total weight.');
  const digest = createHash('sha256').update(`${enrollmentId}:${stepId}`).digest();
  // 48 bits of the hash as a fraction in [0, 1): plenty of resolution for weights.
  const fraction = digest.readUIntBE(0, 6) / 2 ** 48;
  let point = fraction * total;
  for (let i = 0; i < variants.length; i++) {
    point -= Math.max(0, variants[i].weight);
    if (point < 0) return { index: i, label: variantLabel(i) };
  }
  const last = variants.findLastIndex((v) => v.weight > 0);
  return { index: last, label: variantLabel(last) };
}
