import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { decodeCursor, pageOf, type Page, type PageQuery } from '../common/pagination.js';
import { normalizeEmail } from '../leads/email.util.js';
import type { CreateSalesRepDto, UpdateSalesRepDto } from './dto/sales-rep.dto.js';
import { parseRegions } from './domain/index.js';
import { HandoffRehoming } from './handoff-rehoming.service.js';

interface SalesRepRow {
  id: string;
  name: string;
  email: string;
  email_normalized: string;
  active: boolean;
  locales: string[];
  regions: string[];
  weight: number;
  assigned: number;
  created_at: Date;
  updated_at: Date;
}

export interface SalesRepView {
  id: string;
  name: string;
  email: string;
  active: boolean;
  locales: string[];
  /** Upper-case ISO 3166-1 alpha-2 countries the rep answers for; empty: no territory (every country). */
  regions: string[];
  weight: number;
  /** Hand-offs assigned in the current round-robin cycle. */
  assigned: number;
  createdAt: string;
  updatedAt: string;
}

const view = (r: SalesRepRow): SalesRepView => ({
  id: r.id,
  name: r.name,
  email: r.email,
  active: r.active,
  locales: r.locales,
  regions: r.regions,
  weight: r.weight,
  assigned: r.assigned,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The territory given (upper-cased, each code once), undefined when none was; 422 naming each bad entry (`regions[1]`). */
function territory(given: string[] | undefined): string[] | undefined {
  if (given === undefined) return undefined;
  const { regions, errors } = parseRegions(given);
  if (errors.length) throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return regions;
}

/**
 * The sales team that receives hand-offs. A change to who takes part or how much (a rep added,
 * (de)activated, a new weight, languages or territory) starts a new round-robin cycle: every counter returns to
 * zero, so a newcomer is not flooded with leads to "catch up" with colleagues' history. In the same
 * transaction, pending hand-offs that no active rep answers for — a deactivated rep's, and those made while
 * nobody took hand-offs — go to the active reps (HandoffRehoming), recorded with the caller as `by`.
 */
@Injectable()
export class SalesRepsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly rehoming: HandoffRehoming,
  ) {}

  async list(q: PageQuery): Promise<Page<SalesRepView>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
    const rows: SalesRepRow[] = await this.db.query(
      `SELECT * FROM sales_reps WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid) ORDER BY created_at, id LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return pageOf(rows.map(view), limit, (r) => [r.createdAt, r.id]);
  }

  async get(id: string): Promise<SalesRepView> {
    const [row]: SalesRepRow[] = await this.db.query(`SELECT * FROM sales_reps WHERE id = $1`, [id]);
    if (!row) throw DomainError.notFound('Sales rep', id);
    return view(row);
  }

  async create(dto: CreateSalesRepDto, actor: string): Promise<SalesRepView> {
    const regions = territory(dto.regions);
    const now = this.clock.now().toISOString();
    return this.db.transaction(async (m) => {
      const [row]: SalesRepRow[] = await m.query(
        `INSERT INTO sales_reps (name, email, email_normalized, active, locales, regions, weight, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (email_normalized) DO NOTHING RETURNING *`,
        [dto.name.trim(), dto.email.trim(), normalizeEmail(dto.email), dto.active ?? true, dto.locales ?? [], regions ?? [], dto.weight ?? 1, now],
      );
      if (!row) throw DomainError.conflict(`A sales rep with email ${dto.email.trim()} already exists.`);
      if (!(row.active && row.weight > 0)) return view(row);
      await this.newCycle(m);
      return this.rehome(m, row.id, actor);
    });
  }

  async update(id: string, dto: UpdateSalesRepDto, actor: string): Promise<SalesRepView> {
    const regions = territory(dto.regions);
    const now = this.clock.now().toISOString();
    return this.db.transaction(async (m) => {
      // Lock the whole team in id order (as assignment does) before changing one rep: no deadlock either way.
      const team: SalesRepRow[] = await m.query(`SELECT * FROM sales_reps ORDER BY id FOR UPDATE`);
      const before = team.find((r) => r.id === id);
      if (!before) throw DomainError.notFound('Sales rep', id);
      if (dto.email !== undefined) {
        const clash = team.find((r) => r.id !== id && r.email_normalized === normalizeEmail(dto.email!));
        if (clash) throw DomainError.conflict(`A sales rep with email ${dto.email.trim()} already exists.`);
      }
      const [row]: SalesRepRow[] = await m.query(
        `WITH u AS (
           UPDATE sales_reps SET name = coalesce($2, name), email = coalesce($3, email), email_normalized = coalesce($4, email_normalized),
                  active = coalesce($5, active), locales = coalesce($6, locales), weight = coalesce($7, weight), updated_at = $8,
                  regions = coalesce($9, regions)
            WHERE id = $1 RETURNING *)
         SELECT * FROM u`,
        [
          id,
          dto.name?.trim() ?? null,
          dto.email?.trim() ?? null,
          dto.email !== undefined ? normalizeEmail(dto.email) : null,
          dto.active ?? null,
          dto.locales ?? null,
          dto.weight ?? null,
          now,
          regions ?? null,
        ],
      );
      const teamChanged =
        row.active !== before.active ||
        row.weight !== before.weight ||
        row.locales.join() !== before.locales.join() ||
        row.regions.join() !== before.regions.join();
      if (!teamChanged) return view(row);
      await this.newCycle(m);
      return this.rehome(m, row.id, actor);
    });
  }

  /** Gives the hand-offs without an active owner to the team as it is now; the rep as it is after that. */
  private async rehome(m: EntityManager, id: string, actor: string): Promise<SalesRepView> {
    await this.rehoming.rehome(m, actor);
    const [row]: SalesRepRow[] = await m.query(`SELECT * FROM sales_reps WHERE id = $1`, [id]);
    return view(row);
  }

  private async newCycle(m: EntityManager): Promise<void> {
    await m.query(`SELECT id FROM sales_reps ORDER BY id FOR UPDATE`);
    await m.query(`UPDATE sales_reps SET assigned = 0 WHERE assigned <> 0`);
  }
}
