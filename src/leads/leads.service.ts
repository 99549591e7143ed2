import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { upsertStage } from '../lifecycle/domain/initial-stage.js';
import type { Page } from '../common/pagination.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { applyStageChanges, StageChange } from '../lifecycle/stage-change.js';
import { scoreAt } from '../scoring/domain/decay.js';
import { trimmedAnswers } from '../scoring/domain/qualification.js';
import type { Promotion } from '../lifecycle/domain/promotion.js';
import { promotionChanges, refreshStoredLead } from '../scoring/lead-refresh.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { SqlParams } from '../common/sql-params.js';
import { liftForOptIn, listedWithSince } from '../suppression/suppression-lifts.js';
import { UpsertLeadDto } from './dto/upsert-lead.dto.js';
import { LEAD_ORDERS, ListLeadsQuery } from './dto/list-leads.query.js';
import { normalizeEmail } from './email.util.js';
import { LeadRow, LeadView, toLeadView, type ConsentRecord } from './lead.types.js';

/** How far ahead of this server's clock a consent's capturedAt may be (the sender's clock may run a little fast), as for events. */
const MAX_CONSENT_FUTURE_MS = 5 * 60_000;

const COLUMNS: [keyof UpsertLeadDto, string][] = [
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['company', 'company'],
  ['jobTitle', 'job_title'],
  ['phone', 'phone'],
  ['locale', 'locale'],
  ['timezone', 'timezone'],
];

/**
 * Leads: upsert by normalised email, read, list (by creation, or by last change for incremental syncs); every change
 * re-evaluates fit and the MQL rule.
 */
@Injectable()
export class LeadsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly models: ScoringModelService,
    private readonly activity: LeadActivityHub,
  ) {}

  async upsert(dto: UpsertLeadDto, actor: string): Promise<{ created: boolean; lead: LeadView }> {
    const now = this.clock.now();
    return this.db.transaction(async (m) => {
      const email = normalizeEmail(dto.email);
      let [lead]: LeadRow[] = await m.query(`SELECT * FROM leads WHERE email_normalized = $1 FOR NO KEY UPDATE`, [email]);
      let created = false;
      if (!lead) {
        [lead] = await m.query(
          `INSERT INTO leads (email, email_normalized, stage, created_at, updated_at, engagement_as_of) VALUES ($1, $2, $3, $4, $4, $4)
           ON CONFLICT (email_normalized) DO NOTHING RETURNING *`,
          [dto.email.trim(), email, dto.stage ?? 'lead', now.toISOString()],
        );
        if (lead) {
          created = true;
          await recordDomainEvents(m, [{ type: 'lead.created', leadId: lead.id, payload: { leadId: lead.id, stage: lead.stage, via: 'api', source: dto.source ?? {} }, occurredAt: now }]);
        } else {
          [lead] = await m.query(`SELECT * FROM leads WHERE email_normalized = $1 FOR NO KEY UPDATE`, [email]);
        }
      }
      // An erased lead keeps its row under a placeholder address (erased-<id>@erased.invalid) and takes no new
      // personal data; a person who comes back under their real address is a new lead (that row is gone).
      if (lead.erased_at) throw DomainError.leadErased(lead.id, 'email');
      const stageRule = upsertStage(created ? null : lead.stage, dto.stage);
      if (stageRule.kind === 'refuse') {
        throw new DomainError(ErrorCode.Conflict, `stage: ${stageRule.message}`, [{ field: 'stage', message: stageRule.message }], 'stage_not_set_by_upsert');
      }
      // A withdrawal always takes effect; a grant captured before the lead's newest consent record (a CRM sync
      // replaying a grant from before the lead withdrew) joins the history but does not change the lead's consent.
      const consentApplies = dto.consent ? (await this.isNewestConsent(m, lead.id, dto.consent, now)) || dto.consent.status === 'withdrawn' : false;
      // (TypeORM answers a bare UPDATE … RETURNING with [rows, count]; wrapped in a CTE it returns the rows.)
      lead = await this.applyFields(m, lead, dto, now, consentApplies);
      if (dto.consent) await this.recordConsent(m, lead.id, dto.consent, now, consentApplies);
      // A fresh opt-in, dated after an unsubscribe, makes the lead mailable again (before the activity below, so a
      // trigger it fires enrolls the lead). Without its own capturedAt a grant is not known to be fresh: a CRM sync
      // resending an old grant must not undo an unsubscribe.
      if (consentApplies && dto.consent?.status === 'granted' && dto.consent.basis === 'consent' && dto.consent.capturedAt !== undefined) {
        await liftForOptIn(m, lead, { capturedAt: new Date(dto.consent.capturedAt), source: dto.consent.source ?? null }, actor, now);
      }
      const stageBefore = lead.stage;
      const changes: StageChange[] = [];
      if (stageRule.kind === 'move') {
        changes.push({ leadId: lead.id, from: stageRule.from, to: stageRule.to, actor, reason: 'set by API', at: now });
        lead.stage = stageRule.to;
      }
      // A lead created as customer or disqualified (a CRM import) has it in its history, with who and why, and reached its milestones.
      if (stageRule.kind === 'create' && stageRule.recorded) {
        changes.push({ leadId: lead.id, from: null, to: stageRule.stage, actor, reason: dto.stageReason?.trim() ?? 'import', at: now });
      }
      // The stage after the moves above: the row re-read below still holds the stored one until they are applied.
      const stageNow = lead.stage;
      const model = await this.models.current(m);
      const state = { value: lead.engagement_score, asOf: lead.engagement_as_of };
      let promotions: Promotion[];
      ({ lead, promotions } = await refreshStoredLead(m, lead, state, model, now));
      changes.push(...promotionChanges(lead.id, stageNow, promotions, now));
      await applyStageChanges(m, changes);
      if (changes.length) [lead] = await m.query(`SELECT * FROM leads WHERE id = $1`, [lead.id]);
      const engagementScore = scoreAt(state, now, model.definition.halfLifeDays);
      await this.activity.publish(m, [
        { leadId: lead.id, at: now, created, stageBefore: created ? lead.stage : stageBefore, stageAfter: lead.stage, events: [], engagementScore },
      ]);
      // After the activity, so a goal this upsert reached still converts; what is left exits as consent_withdrawn (or the list's reason).
      if (consentApplies && dto.consent?.status === 'withdrawn') await this.activity.unmailable(m, [lead.id], now);
      const consent = (await latestConsents(m, [lead])).get(lead.id);
      return { created, lead: toLeadView(lead, engagementScore, consent, (await listedWithSince(m, [lead.id])).get(lead.id)) };
    });
  }

  /**
   * Whether this consent record is the lead's newest (captured no earlier than any it has), so it sets the lead's
   * consent. One captured in the future is refused: it would outrank every real record after it.
   */
  private async isNewestConsent(m: EntityManager, leadId: string, consent: NonNullable<UpsertLeadDto['consent']>, now: Date): Promise<boolean> {
    if (consent.capturedAt === undefined) return true;
    const capturedAt = new Date(consent.capturedAt);
    if (capturedAt.getTime() > now.getTime() + MAX_CONSENT_FUTURE_MS) throw DomainError.invalidField('consent.capturedAt', 'must not be in the future');
    const [{ newest }]: { newest: Date | null }[] = await m.query(`SELECT max(captured_at) AS newest FROM consents WHERE lead_id = $1`, [leadId]);
    return newest === null || capturedAt.getTime() >= newest.getTime();
  }

  private async applyFields(m: EntityManager, lead: LeadRow, dto: UpsertLeadDto, now: Date, consentApplies: boolean): Promise<LeadRow> {
    const sets: string[] = ['email = $2', 'updated_at = $3'];
    const params: unknown[] = [lead.id, dto.email.trim(), now.toISOString()];
    const set = (sql: string, value: unknown) => {
      params.push(value);
      sets.push(sql.replace('?', `$${params.length}`));
    };
    for (const [field, column] of COLUMNS) if (dto[field] !== undefined) set(`${column} = ?`, dto[field]);
    // First touch is kept: a later form fill does not rewrite where the lead came from.
    if (dto.source && !lead.channel) {
      set('source = ?', JSON.stringify(dto.source));
      set('channel = ?', dto.source.channel ?? null);
    }
    if (dto.qualification) set('qualification = qualification || ?::jsonb', JSON.stringify(trimmedAnswers(dto.qualification)));
    if (dto.attributes) set('attributes = attributes || ?::jsonb', JSON.stringify(dto.attributes));
    if (dto.consent && consentApplies) {
      set('consent_status = ?', dto.consent.status);
      if (dto.consent.basis) set('consent_basis = ?', dto.consent.basis);
    }
    const [row]: LeadRow[] = await m.query(`WITH u AS (UPDATE leads SET ${sets.join(', ')} WHERE id = $1 RETURNING *) SELECT * FROM u`, params);
    return row;
  }

  private async recordConsent(m: EntityManager, leadId: string, consent: NonNullable<UpsertLeadDto['consent']>, now: Date, current: boolean) {
    await m.query(
      `INSERT INTO consents (lead_id, status, basis, text, source, captured_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [leadId, consent.status, consent.basis ?? null, consent.text ?? null, consent.source ?? null, consent.capturedAt ?? now.toISOString(), now.toISOString()],
    );
    if (current && consent.status === 'withdrawn') {
      await recordDomainEvents(m, [{ type: 'lead.unsubscribed', leadId, payload: { leadId, reason: 'consent_withdrawn' }, occurredAt: now }]);
    }
  }

  async get(id: string): Promise<LeadView> {
    const [row]: LeadRow[] = await this.db.query(`SELECT * FROM leads WHERE id = $1`, [id]);
    if (!row) throw DomainError.notFound('Lead', id);
    return (await this.views([row]))[0];
  }

  async list(q: ListLeadsQuery): Promise<Page<LeadView>> {
    const limit = q.limit ?? 50;
    const { sort, after } = LEAD_ORDERS.read(q.cursor, q.sort, q.updatedSince ? 'updatedAt' : 'createdAt');
    const p = new SqlParams([limit + 1]);
    const where: string[] = [];
    if (q.stage) where.push(`stage = ${p.add(q.stage)}`);
    if (q.channel) where.push(`channel = ${p.add(q.channel)}`);
    if (q.email) where.push(`email_normalized = ${p.add(normalizeEmail(q.email))}`);
    if (q.updatedSince) where.push(`updated_at >= ${p.add(q.updatedSince, '::timestamptz')}`);
    const order = LEAD_ORDERS.sql(sort, after, (v, cast) => p.add(v, cast));
    if (order.after) where.push(order.after);
    const rows: LeadRow[] = await this.db.query(
      `SELECT * FROM leads ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.orderBy} LIMIT $1`,
      p.values,
    );
    const key = sort.endsWith('updatedAt') ? (l: LeadView) => [l.updatedAt, l.id] : (l: LeadView) => [l.createdAt, l.id];
    return LEAD_ORDERS.page(await this.views(rows), limit, sort, key);
  }

  /** Views of leads, with their engagement decayed to now, their consent records and suppression-list entries (one query each for all). */
  private async views(rows: LeadRow[]): Promise<LeadView[]> {
    const { definition } = await this.models.currentForRead();
    const now = this.clock.now();
    const [consents, listed] = await Promise.all([latestConsents(this.db.manager, rows), listedWithSince(this.db.manager, rows.map((r) => r.id))]);
    return rows.map((row) =>
      toLeadView(
        row,
        scoreAt({ value: row.engagement_score, asOf: row.engagement_as_of }, now, definition.halfLifeDays),
        consents.get(row.id),
        listed.get(row.id),
      ),
    );
  }
}

/**
 * The consent record that holds each of these leads' current consent, by lead id: of the records with the lead's
 * current status, the newest by when it was captured (then recorded), since an older grant sent later only joins
 * the history. A lead whose consent is `unknown` has none: it is not asked for.
 */
async function latestConsents(m: EntityManager, leads: Pick<LeadRow, 'id' | 'consent_status'>[]): Promise<Map<string, ConsentRecord>> {
  const leadIds = leads.filter((l) => l.consent_status !== 'unknown').map((l) => l.id);
  if (!leadIds.length) return new Map();
  const rows: (ConsentRecord & { lead_id: string })[] = await m.query(
    `SELECT DISTINCT ON (c.lead_id) c.lead_id, c.status, c.text, c.source, c.captured_at
       FROM consents c JOIN leads l ON l.id = c.lead_id
      WHERE c.lead_id = ANY($1::uuid[])
      ORDER BY c.lead_id, (c.status = l.consent_status) DESC, c.captured_at DESC, c.recorded_at DESC, c.id DESC`,
    [leadIds],
  );
  return new Map(rows.map((r) => [r.lead_id, r]));
}
