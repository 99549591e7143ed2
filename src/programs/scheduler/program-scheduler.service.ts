import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { NurtureMailer } from '../../email/nurture-mailer.js';
import { scoreAt } from '../../scoring/domain/decay.js';
import { ScoringModelService } from '../../scoring/scoring-model.service.js';
import { needsOf, type DefinitionNeeds } from '../domain/definition-needs.js';
import type { LeadSnapshot, StepWorld } from '../domain/lead-facts.js';
import type { ProgramDefinition } from '../domain/program-definition.js';
import { runEnrollment, type RunResult } from '../domain/step-interpreter.js';
import { resolveTimeZone } from '../domain/time-zone.js';
import { cancelEmailsOfEndedEnrollments } from '../ended-enrollments.js';
import { leadSnapshotOf, refreshedSnapshot } from '../lead-snapshot.js';
import { ProgramCatalog, programVersionKey } from '../program-catalog.service.js';
import { interactionKey, loadBatchFacts } from './batch-facts.js';
import { claimDue, cursorOf, type ClaimedEnrollment } from './enrollment-claim.js';
import { EnrollmentWakeups } from './enrollment-wakeups.js';
import { StepEffectsWriter, type EnrollmentRun } from './step-effects.writer.js';

export interface BatchOutcome {
  claimed: number;
  messageIds: string[];
  /** Enrollments due again soon, for a delayed wake-up job. */
  upcoming: { id: string; at: Date }[];
}

const MAX_FAILURES = 10;

/**
 * Runs due enrollments. PostgreSQL is the truth: a batch claims due rows with SKIP LOCKED, runs
 * each enrollment's steps with the pure interpreter, writes step runs, emails, lead updates and the
 * new enrollment state in the same transaction, and only then (after commit) hands emails to
 * delivery and schedules wake-ups. A crash anywhere before commit leaves the rows due, so the
 * next claim — on any worker — does the same work again, once.
 */
@Injectable()
export class ProgramScheduler {
  private readonly logger = new Logger(ProgramScheduler.name);
  private readonly needs = new WeakMap<ProgramDefinition, DefinitionNeeds>();

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ProgramCatalog,
    private readonly models: ScoringModelService,
    private readonly effects: StepEffectsWriter,
    private readonly wakeups: EnrollmentWakeups,
    private readonly mailer: NurtureMailer,
  ) {}

  /** Claims and runs one batch (optionally only these enrollments); returns how many were claimed. */
  async runBatch(ids: string[] | null = null): Promise<number> {
    let claimed: string[] = [];
    let outcome: BatchOutcome;
    try {
      outcome = await this.db.transaction((m) => this.runBatchIn(m, ids, (rows) => (claimed = rows)));
    } catch (err) {
      if (claimed.length === 0) throw err;
      if (claimed.length === 1) {
        await this.postpone(claimed[0], err);
        return 1;
      }
      // One enrollment spoiled the batch: run each on its own so only that one is held back.
      this.logger.warn({ err: String(err), enrollments: claimed.length }, 'program batch failed; retrying its enrollments one by one');
      for (const id of claimed) await this.runBatch([id]);
      return claimed.length;
    }
    await this.afterCommit(outcome);
    return outcome.claimed;
  }

  /** Runs batches until no due work is left (or other workers hold the rest). */
  async drain(shouldStop: () => boolean = () => false): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runBatch();
      total += n;
      if (n < this.config.programs.claimBatch || shouldStop()) return total;
    }
  }

  /** The work of one batch inside the caller's transaction (tests use it to roll a batch back half-way). */
  async runBatchIn(m: EntityManager, ids: string[] | null = null, onClaim?: (ids: string[]) => void): Promise<BatchOutcome> {
    const now = this.clock.now();
    const rows = await claimDue(m, now, ids ? ids.length : this.config.programs.claimBatch, ids);
    onClaim?.(rows.map((r) => r.id));
    if (!rows.length) return { claimed: 0, messageIds: [], upcoming: [] };

    const defs = await this.catalog.definitionsOf(m, rows.map((r) => ({ programId: r.program_id, version: r.program_version })));
    const defOf = (r: ClaimedEnrollment) => defs.get(programVersionKey(r.program_id, r.program_version));
    const cap = this.config.programs.frequencyCap;
    const facts = await loadBatchFacts(m, rows, (r) => this.needsOf(defOf(r)), now, cap.windowMs);
    const { definition: model } = await this.models.currentForRead();
    const refresh = (lead: LeadSnapshot) => refreshedSnapshot(lead, model);

    const runs: EnrollmentRun[] = rows.map((row) => {
      const engagementScore = scoreAt({ value: row.engagement_score, asOf: row.engagement_as_of }, now, model.halfLifeDays);
      const sinceRecycled = row.recycled_engagement === null ? undefined : scoreAt({ value: row.recycled_engagement, asOf: row.engagement_as_of }, now, model.halfLifeDays);
      const def = defOf(row);
      if (!def) return { row, engagementScore, result: ended(row, 'unknown_version') };
      const sends = facts.sends.get(row.lead_id) ?? [];
      const world: StepWorld = {
        lead: leadSnapshotOf(row, engagementScore, sinceRecycled),
        now,
        zone: resolveTimeZone(row.timezone, this.config.defaultTimezone),
        suppression: row.suppression ?? null,
        recentSends: sends,
        lastEventAt: (type) => facts.lastEvent.get(row.lead_id)?.get(type) ?? null,
        interacted: (kind, stepId) => facts.interactions.has(interactionKey(row.id, stepId, kind)),
      };
      const result = runEnrollment(def, cursorOf(row), world, now, { cap, refreshLead: refresh, holidays: this.config.programs.holidays });
      // Another enrollment of the same lead later in this batch sees these sends under the cap.
      const sent = result.effects.filter((e) => e.kind === 'email').length;
      if (sent) facts.sends.set(row.lead_id, [...sends, ...Array.from({ length: sent }, () => now)]);
      return { row, engagementScore, result };
    });
    const messageIds = await this.effects.apply(m, runs, now);
    const horizon = now.getTime() + this.config.programs.wakeAheadMs;
    const upcoming = runs
      .filter((r) => r.result.status === 'active' && r.result.nextRunAt && r.result.nextRunAt.getTime() <= horizon)
      .map((r) => ({ id: r.row.id, at: r.result.nextRunAt! }));
    return { claimed: rows.length, messageIds, upcoming };
  }

  private async afterCommit(outcome: BatchOutcome): Promise<void> {
    if (outcome.messageIds.length) {
      // Delivery's own sweep re-dispatches anything left queued, so a failure here loses nothing.
      await this.mailer.dispatch(outcome.messageIds).catch((err: unknown) => this.logger.warn({ err: String(err) }, 'email dispatch failed; the delivery sweep will send'));
    }
    await this.wakeups.schedule(outcome.upcoming, this.clock.now());
  }

  /**
   * Holds back an enrollment whose step keeps failing: retried with backoff, ended (exit reason `error`) after
   * MAX_FAILURES, when its emails still queued are cancelled in the same transaction.
   */
  private async postpone(id: string, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
    this.logger.error({ enrollmentId: id, err: message }, 'program step failed');
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (m) => {
      const rows: { id: string; status: string; exit_reason: string | null }[] = await m.query(
        `WITH postponed AS (
           UPDATE enrollments SET failures = failures + 1, last_error = $2, updated_at = $3,
                  status = CASE WHEN failures + 1 >= $4 THEN 'exited' ELSE status END,
                  exit_reason = CASE WHEN failures + 1 >= $4 THEN 'error' ELSE exit_reason END,
                  finished_at = CASE WHEN failures + 1 >= $4 THEN $3::timestamptz ELSE finished_at END,
                  next_run_at = CASE WHEN failures + 1 >= $4 THEN NULL
                                     ELSE $3::timestamptz + make_interval(secs => least(3600, 15 * power(2, failures))) END
            WHERE id = $1 AND status = 'active'
           RETURNING id, status, exit_reason
         ) SELECT * FROM postponed`,
        [id, message, now, MAX_FAILURES],
      );
      await cancelEmailsOfEndedEnrollments(m, this.mailer, rows.map((r) => ({ id: r.id, status: r.status, exitReason: r.exit_reason })));
    });
  }

  private needsOf(def: ProgramDefinition | undefined): DefinitionNeeds {
    if (!def) return { eventTypes: [], interactions: false, email: false };
    let n = this.needs.get(def);
    if (!n) this.needs.set(def, (n = needsOf(def)));
    return n;
  }
}

function ended(row: ClaimedEnrollment, reason: string): RunResult {
  return { cursor: cursorOf(row), status: 'exited', exitReason: reason, nextRunAt: null, effects: [] };
}
