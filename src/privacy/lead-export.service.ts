import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { toHandoffView, type HandoffRow } from '../handoffs/handoff.types.js';
import { LeadsService } from '../leads/leads.service.js';
import { ANY_STATUS_SQL } from '../programs/enrollment-writer.js';

/** A lead's enrollments, active and finished (ANY_STATUS_SQL lets each part use its partial index). */
export const LEAD_ENROLLMENTS_SQL = `SELECT id, program_id AS "programId", program_version AS "programVersion", status, exit_reason AS "exitReason", exited_by AS "exitedBy",
         enrolled_at AS "enrolledAt", finished_at AS "finishedAt"
    FROM enrollments WHERE lead_id = $1 AND ${ANY_STATUS_SQL} ORDER BY enrolled_at`;

/**
 * A hand-off as the export lists it: the hand-off view (toHandoffView, so every field and derivation — outcome,
 * slaBreached at export time — is the API's), its trigger flattened, and the picture given to sales as it is stored
 * (`sharedWithSales`) instead of the view's lead fields; no owner's name (that is the rep's data, not the lead's).
 */
function exportedHandoff(row: HandoffRow, now: Date) {
  const view = toHandoffView(row, null, now);
  const { trigger, owner: _owner, leadId: _leadId, ...rest } = view;
  const { lead: _lead, source: _source, channel: _channel, qualification: _q, score: _score, timeline: _timeline, snapshotAt: _at, ...course } = rest;
  return {
    ...course,
    triggerEventId: trigger.eventId,
    triggerEventType: trigger.eventType,
    programId: trigger.programId,
    enrollmentId: trigger.enrollmentId,
    stepId: trigger.stepId,
    sharedWithSales: row.snapshot,
  };
}

/**
 * GDPR export: everything stored about one lead, as JSON — including what was shared about them: the picture
 * each hand-off gave sales (`sharedWithSales`) and every webhook delivery about them, with its recipient and body.
 */
@Injectable()
export class LeadExportService {
  constructor(
    private readonly db: DataSource,
    private readonly leads: LeadsService,
    private readonly clock: Clock,
  ) {}

  async export(leadId: string) {
    const profile = await this.leads.get(leadId).catch((err: unknown) => {
      throw err instanceof DomainError ? err : DomainError.notFound('Lead', leadId);
    });
    const q = (sql: string) => this.db.query(sql, [leadId]);
    const [consents, events, scoreLedger, stageChanges, emails, interactions, enrollments, enrollmentSkips, handoffs, suppressions, suppressionLifts, bounces, webhookDeliveries] =
      await Promise.all([
      q(`SELECT status, basis, text, source, captured_at AS "capturedAt", recorded_at AS "recordedAt" FROM consents WHERE lead_id = $1 ORDER BY captured_at`),
      q(`SELECT id, type, occurred_at AS "occurredAt", received_at AS "receivedAt", properties, machine FROM events WHERE lead_id = $1 ORDER BY occurred_at`),
      q(`SELECT rule_id AS "ruleId", description, event_id AS "eventId", points, model_version AS "modelVersion", occurred_at AS "occurredAt"
           FROM score_ledger WHERE lead_id = $1 ORDER BY occurred_at`),
      q(`SELECT from_stage AS "from", to_stage AS "to", actor, reason, changed_at AS "at" FROM stage_changes WHERE lead_id = $1 ORDER BY changed_at`),
      q(`SELECT id, kind, to_address AS "to", subject, template_id AS "templateId", template_version AS "templateVersion", locale,
                enrollment_id AS "enrollmentId", step_id AS "stepId", status, status_reason AS "statusReason", created_at AS "createdAt", sent_at AS "sentAt"
           FROM email_messages WHERE lead_id = $1 ORDER BY created_at`),
      q(`SELECT message_id AS "messageId", kind, link_index AS "linkIndex", url, machine, reason, user_agent AS "userAgent", ip, occurred_at AS "occurredAt"
           FROM email_interactions WHERE lead_id = $1 ORDER BY occurred_at`),
      q(LEAD_ENROLLMENTS_SQL),
      q(`SELECT program_id AS "programId", program_version AS "programVersion", reason, via, attempts, first_at AS "firstAt", last_at AS "lastAt"
           FROM enrollment_skips WHERE lead_id = $1 ORDER BY first_at`),
      q(`SELECT * FROM handoffs WHERE lead_id = $1 ORDER BY created_at`),
      q(`SELECT reason, source, created_at AS "createdAt" FROM suppressions WHERE lead_id = $1`),
      q(`SELECT reason, source, suppressed_at AS "suppressedAt", lifted_at AS "liftedAt", lifted_by AS "liftedBy", note
           FROM suppression_lifts WHERE lead_id = $1 ORDER BY lifted_at`),
      q(`SELECT message_id AS "messageId", type, reason, received_at AS "receivedAt" FROM email_bounces WHERE lead_id = $1 ORDER BY received_at`),
      // What was sent about the lead to other systems (sales tools, CRMs), to whom, and the body sent.
      q(`SELECT d.id, d.subscription_id AS "webhookId", s.url AS "recipientUrl", s.description AS "recipient", d.event_type AS "eventType",
                d.status, d.attempts, d.delivered_at AS "deliveredAt", d.created_at AS "createdAt",
                d.occurred_at AS "occurredAt", d.payload AS data
           FROM outbox_events o JOIN webhook_deliveries d ON d.outbox_event_id = o.id JOIN webhook_subscriptions s ON s.id = d.subscription_id
          WHERE o.lead_id = $1 ORDER BY d.created_at, d.id`),
    ]);
    const byMessage = new Map<string, unknown[]>();
    for (const i of interactions as { messageId: string }[]) {
      const list = byMessage.get(i.messageId) ?? [];
      list.push(i);
      byMessage.set(i.messageId, list);
    }
    const now = this.clock.now();
    return {
      exportedAt: now.toISOString(),
      lead: profile,
      consents,
      events,
      scoreLedger,
      stageChanges,
      emails: (emails as { id: string }[]).map((e) => ({ ...e, interactions: byMessage.get(e.id) ?? [] })),
      enrollments,
      enrollmentSkips,
      handoffs: (handoffs as HandoffRow[]).map((h) => exportedHandoff(h, now)),
      suppressions,
      suppressionLifts,
      bounces,
      webhookDeliveries: (webhookDeliveries as { eventType: string; occurredAt: Date; data: unknown }[]).map(({ occurredAt, data, ...d }) => ({
        ...d,
        // the body as it was signed and sent
        body: { type: d.eventType, timestamp: occurredAt.toISOString(), data },
      })),
    };
  }
}
