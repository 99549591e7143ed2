import { matchesCondition } from './condition.js';
import { knownAnswers } from './qualification.js';
import type { ScoringModelDefinition } from './scoring-model.types.js';

/** Who the lead is, as far as fit rules can see. */
export interface LeadFitFacts {
  email: string;
  jobTitle?: string | null;
  company?: string | null;
  attributes: Record<string, unknown>;
  qualification: Record<string, unknown>;
  source: Record<string, unknown>;
}

export interface FitContribution {
  ruleId: string;
  description: string;
  points: number;
}

export interface FitResult {
  score: number;
  contributions: FitContribution[];
}

/**
 * The fit score: the sum of the points of every fit rule whose conditions all hold. Rules see
 * `email`, `emailDomain` (lower-case part after the @), `jobTitle`, `company`, `country`
 * (`attributes.country` with surrounding spaces trimmed, so ` be ` is `be`, which the case-insensitive
 * `equals`/`in` match to `BE` as hand-off territories do), everything under `attributes.` and `source.` (as
 * stored: `attributes.country` is not trimmed), and under `qualification.` the answers known as the MQL rule counts
 * them (see knownAnswers: trimmed; one blank or "unknown" is absent, so a rule never counts an answer the MQL rule
 * does not).
 */
export function evaluateFit(lead: LeadFitFacts, model: ScoringModelDefinition): FitResult {
  const facts = fitFacts(lead);
  const contributions: FitContribution[] = [];
  for (const rule of model.fitRules) {
    if (rule.where.every((cond) => matchesCondition(cond, facts))) {
      contributions.push({ ruleId: rule.id, description: rule.description, points: rule.points });
    }
  }
  return { score: contributions.reduce((sum, c) => sum + c.points, 0), contributions };
}

function fitFacts(lead: LeadFitFacts): Record<string, unknown> {
  return {
    email: lead.email,
    emailDomain: emailDomainOf(lead.email),
    jobTitle: lead.jobTitle ?? null,
    company: lead.company ?? null,
    country: countryOf(lead.attributes),
    attributes: lead.attributes,
    qualification: knownAnswers(lead.qualification),
    source: lead.source,
  };
}

/** `attributes.country`, trimmed when it is text; other values as they are (a rule on them matches as for any fact). */
function countryOf(attributes: Record<string, unknown>): unknown {
  if (!Object.hasOwn(attributes, 'country')) return null;
  const raw = attributes['country'];
  return typeof raw === 'string' ? raw.trim() : raw;
}

/** The lower-case domain of an address (`Ann@Acme.BE` → `acme.be`), or `null` without one. */
export function emailDomainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  const domain = at >= 0 ? email.slice(at + 1).trim().toLowerCase() : '';
  return domain === '' ? null : domain;
}
