import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LEAD_ERASED_MESSAGE, type FieldError } from '../common/domain-error.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { intentTierOf, type ScoringModelDefinition, type Stage } from '../scoring/domain/index.js';
import type { EventInput } from './event-input.js';
import type { IngestItemResult } from './events.types.js';

/** A valid event with its place in the request. */
export type ValidEvent = { index: number; event: EventInput };

/** Why an event of an erased lead is refused. */
export const LEAD_ERASED: FieldError = { field: 'leadId', message: LEAD_ERASED_MESSAGE };
/** Why an event naming a lead id that does not exist is refused. */
export const UNKNOWN_LEAD: FieldError = { field: 'leadId', message: 'no lead with this id' };

/**
 * Finds the leads of a request's events on the lead-creating path (see EventsService): by id (unknown or erased ids
 * refused), or by email, creating a lead for each unknown address (`lead.created` in the outbox, activity published).
 */
@Injectable()
export class EventLeadResolver {
  constructor(private readonly activity: LeadActivityHub) {}

  /** Maps each valid item to its lead id, creating leads for unknown emails; unknown lead ids are rejected. */
  async resolve(
    m: EntityManager,
    valid: ValidEvent[],
    items: IngestItemResult[],
    now: Date,
    definition: ScoringModelDefinition,
  ): Promise<Record<number, string>> {
    const out: Record<number, string> = {};
    const byId = valid.filter((v) => v.event.leadId);
    if (byId.length) {
      const found: { id: string; erased: boolean }[] = await m.query(`SELECT id, erased_at IS NOT NULL AS erased FROM leads WHERE id = ANY($1::uuid[])`, [
        [...new Set(byId.map((v) => v.event.leadId!))],
      ]);
      const known = new Map(found.map((r) => [r.id, r.erased]));
      for (const v of byId) {
        const erased = known.get(v.event.leadId!);
        if (erased === false) out[v.index] = v.event.leadId!;
        else if (erased) items[v.index] = { index: v.index, status: 'rejected', errors: [LEAD_ERASED] };
        else items[v.index] = { index: v.index, status: 'rejected', errors: [UNKNOWN_LEAD] };
      }
    }
    const byEmail = valid.filter((v) => !v.event.leadId);
    if (byEmail.length) {
      const firstEvent = new Map<string, EventInput>();
      for (const v of byEmail) if (!firstEvent.has(v.event.email!)) firstEvent.set(v.event.email!, v.event);
      const emails = [...firstEvent.keys()];
      const stages = emails.map((e) => (intentTierOf(definition, firstEvent.get(e)!.type) === 'low' ? 'subscriber' : 'lead'));
      // The addresses of known leads (most of a batch) are left out before the insert: the row trigger that writes a
      // new lead's suppression key (leads.email_hash, one salted hash) runs before ON CONFLICT skips a row, so it would
      // hash every address of every batch. ON CONFLICT still skips a lead another batch created meanwhile.
      const created: { id: string; email_normalized: string; stage: Stage }[] = await m.query(
        `INSERT INTO leads (email, email_normalized, stage, created_at, updated_at, engagement_as_of)
         SELECT e, e, s, $3, $3, $3 FROM unnest($1::text[], $2::text[]) AS x(e, s)
          WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.email_normalized = x.e) ORDER BY e
         ON CONFLICT (email_normalized) DO NOTHING RETURNING id, email_normalized, stage`,
        [emails, stages, now.toISOString()],
      );
      await recordDomainEvents(
        m,
        created.map((c) => ({ type: 'lead.created', leadId: c.id, payload: { leadId: c.id, stage: c.stage, via: 'event' }, occurredAt: now })),
      );
      await this.activity.publish(
        m,
        created.map((c) => ({ leadId: c.id, at: now, created: true, stageBefore: c.stage, stageAfter: c.stage, events: [], engagementScore: 0 })),
      );
      const all: { id: string; email_normalized: string; erased: boolean }[] = await m.query(
        `SELECT id, email_normalized, erased_at IS NOT NULL AS erased FROM leads WHERE email_normalized = ANY($1::text[])`,
        [emails],
      );
      const ids = new Map(all.map((r) => [r.email_normalized, r]));
      for (const v of byEmail) {
        const lead = ids.get(v.event.email!)!;
        // Only an erased lead's placeholder address (erased-<id>@erased.invalid) finds it: refused as by id.
        if (lead.erased) items[v.index] = { index: v.index, status: 'rejected', errors: [{ ...LEAD_ERASED, field: 'email' }] };
        else out[v.index] = lead.id;
      }
    }
    return out;
  }
}
