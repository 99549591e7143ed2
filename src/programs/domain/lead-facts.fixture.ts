import type { LeadSnapshot, StepWorld } from './lead-facts.js';

/** Test helpers: a sample lead and a world built from plain lists. */
export function sampleLead(over: Partial<LeadSnapshot> = {}): LeadSnapshot {
  return {
    stage: 'lead',
    engagementScore: 10,
    fitScore: 5,
    email: 'an@example.be',
    firstName: 'An',
    locale: 'nl',
    timezone: 'Europe/Brussels',
    attributes: {},
    qualification: {},
    source: {},
    ...over,
  };
}

export interface WorldParts {
  lead?: LeadSnapshot;
  now: Date;
  events?: { type: string; at: Date }[];
  clicks?: string[];
  opens?: string[];
  suppression?: string | null;
  recentSends?: Date[];
  zone?: string;
}

export function worldOf(parts: WorldParts): StepWorld {
  const events = parts.events ?? [];
  return {
    lead: parts.lead ?? sampleLead(),
    now: parts.now,
    zone: parts.zone ?? 'Europe/Brussels',
    suppression: parts.suppression ?? null,
    recentSends: parts.recentSends ?? [],
    lastEventAt: (type) => {
      const times = events.filter((e) => e.type === type && e.at.getTime() <= parts.now.getTime()).map((e) => e.at.getTime());
      return times.length ? new Date(Math.max(...times)) : null;
    },
    interacted: (kind, step) => (kind === 'click' ? (parts.clicks ?? []) : (parts.opens ?? [])).includes(step),
  };
}
