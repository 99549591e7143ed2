import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { pickOwner, type RepState } from './domain/index.js';
import { HANDOFF_WITH_OWNER, viewWithOwner, type HandoffWithOwnerRow, type OwnerFacts } from './handoff.types.js';

/** One hand-off that needs an owner. */
export interface OwnerRequest {
  key: string;
  /** The lead's locale; a lead without one is matched as a lead in DEFAULT_LOCALE (the language it is mailed in). */
  locale: string | null;
  /**
   * The lead's country (upper-case ISO 3166-1 alpha-2, from `attributes.country`; see territoryCountry): reps whose
   * territory covers it come first. Null (no or no usable country) matches no territory.
   */
  country: string | null;
  /** Give it to someone else than this rep if anyone else can take it (SLA reassignment). */
  notOwner?: string | null;
}

interface RepRow extends RepState {
  name: string;
  email: string;
}

/**
 * Weighted round robin over the active sales reps, by territory and then language (pickOwner), race-free: the team's rows are locked in id order
 * (FOR UPDATE) inside the caller's transaction, the picks are made with the persisted counters, and the
 * counters are written back before the lock is released. Several workers therefore never hand out the
 * same turn twice, and the stable lock order cannot deadlock.
 */
@Injectable()
export class OwnerAssignment {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Owner per request key (null when no active rep can take it); counters are updated. */
  async assign(m: EntityManager, requests: OwnerRequest[]): Promise<Map<string, OwnerFacts | null>> {
    const out = new Map<string, OwnerFacts | null>();
    if (!requests.length) return out;
    const reps: RepRow[] = await m.query(
      `SELECT id, name, email, weight, active, locales, regions, assigned FROM sales_reps WHERE active AND weight > 0 ORDER BY id FOR UPDATE`,
    );
    const added = new Map<string, number>();
    for (const req of requests) {
      const others = req.notOwner ? reps.filter((r) => r.id !== req.notOwner) : reps;
      const ownerId = pickOwner(others.length ? others : reps, req.locale || this.config.defaultLocale, req.country);
      const rep = ownerId ? reps.find((r) => r.id === ownerId)! : null;
      // Nobody else could take it: it stays where it is, which is not another turn of that rep's.
      if (rep && rep.id !== req.notOwner) {
        rep.assigned += 1;
        added.set(rep.id, (added.get(rep.id) ?? 0) + 1);
      }
      out.set(req.key, rep ? { id: rep.id, name: rep.name, email: rep.email } : null);
    }
    if (added.size) {
      await m.query(
        `UPDATE sales_reps r SET assigned = r.assigned + c.n FROM unnest($1::uuid[], $2::int[]) AS c(id, n) WHERE r.id = c.id`,
        [[...added.keys()], [...added.values()]],
      );
    }
    return out;
  }
}

/** A hand-off given to another rep: with a fresh SLA deadline, or null to keep its deadline and breach flag. */
export interface OwnerMove {
  id: string;
  ownerId: string;
  slaDueAt: Date | null;
}

/**
 * Gives hand-offs to their new owners in one statement (assigned now). One given a fresh deadline has its breach
 * flag cleared, so a new miss is flagged (and announced) again.
 */
export async function moveOwners(m: EntityManager, moves: OwnerMove[], now: Date): Promise<void> {
  if (!moves.length) return;
  await m.query(
    `UPDATE handoffs h SET owner_id = c.owner_id, assigned_at = $4, updated_at = $4,
            sla_due_at = coalesce(c.due, h.sla_due_at),
            breached_at = CASE WHEN c.due IS NULL THEN h.breached_at END
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS c(id, owner_id, due) WHERE h.id = c.id`,
    [moves.map((mv) => mv.id), moves.map((mv) => mv.ownerId), moves.map((mv) => mv.slaDueAt?.toISOString() ?? null), now.toISOString()],
  );
}

/**
 * Why a hand-off changed owner, as its `handoff.reassigned` event says: `manual` (POST /handoffs/{id}/reassign),
 * `owner_inactive` (its owner was deactivated) or `unowned` (it had no owner and a rep became available).
 */
export type ReassignmentReason = 'manual' | 'owner_inactive' | 'unowned';

/** A hand-off given to another rep, with the facts its `handoff.reassigned` event records. */
export interface Reassignment extends OwnerMove {
  leadId: string;
  previousOwnerId: string | null;
  reason: ReassignmentReason;
  note: string | null;
}

/**
 * Moves hand-offs to their new owners (moveOwners) and records one `handoff.reassigned` outbox event per hand-off
 * (webhooks: the hand-off as sales sees it, with `reassignment`: previous owner, who (`by`), why and the note), in the
 * caller's transaction.
 */
export async function reassignOwners(m: EntityManager, moves: Reassignment[], by: string, now: Date): Promise<void> {
  if (!moves.length) return;
  await moveOwners(m, moves, now);
  const rows: HandoffWithOwnerRow[] = await m.query(`${HANDOFF_WITH_OWNER} WHERE h.id = ANY($1::uuid[])`, [moves.map((mv) => mv.id)]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  await recordDomainEvents(
    m,
    moves.map((mv) => {
      const reassignment = { previousOwnerId: mv.previousOwnerId, by, reason: mv.reason, note: mv.note };
      return { type: 'handoff.reassigned', leadId: mv.leadId, payload: { ...viewWithOwner(byId.get(mv.id)!), reassignment }, occurredAt: now };
    }),
  );
}
