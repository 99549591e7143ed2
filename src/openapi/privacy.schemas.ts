import { MESSAGE_KINDS, MESSAGE_STATUSES } from '../email/email-message.types.js';
import { HANDOFF_STATUSES, OUTCOMES } from '../handoffs/domain/index.js';
import { CONSENT_STATUSES, LAWFUL_BASES } from '../leads/lead.types.js';
import { ENROLLMENT_STATUSES } from '../programs/dto/list-enrollments.query.js';
import { HANDOFF_PRIORITIES } from '../programs/domain/program-definition.js';
import { SKIP_REASONS } from '../programs/enrollment-writer.js';
import { STAGES } from '../scoring/domain/lifecycle.js';
import { BOUNCE_TYPES } from '../suppression/dto/report-bounce.dto.js';
import { SUPPRESSION_REASONS } from '../suppression/suppression.types.js';
import { DELIVERY_STATUSES } from '../webhooks/dto/list-deliveries.query.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-event-types.js';
import { INTERACTION_KINDS } from '../tracking/domain/tracking-hit.js';
import { HANDOFF_COURSE } from './sales.schemas.js';
import { arr, bool, enumOf, int, nint, nstr, ntime, num, nuuid, o, obj, ref, str, time, uuid, type Schema } from './schema-kit.js';

/** GDPR access request: everything stored about one lead, as the export's queries read it (lead-export.service). */
export const PRIVACY_SCHEMAS: Record<string, Schema> = {
  LeadExport: o({
    exportedAt: time,
    lead: ref('Lead'),
    consents: arr(o({ status: enumOf(CONSENT_STATUSES), basis: enumOf(LAWFUL_BASES, { nullable: true }), text: nstr, source: nstr, capturedAt: time, recordedAt: time })),
    events: arr(o({ id: uuid, type: str, occurredAt: time, receivedAt: time, properties: obj, machine: bool })),
    scoreLedger: arr(o({ ruleId: str, description: str, eventId: nuuid, points: num, modelVersion: int, occurredAt: time })),
    stageChanges: arr(o({ from: enumOf(STAGES, { nullable: true }), to: enumOf(STAGES), actor: str, reason: str, at: time })),
    emails: arr(
      o({
        id: uuid,
        kind: enumOf(MESSAGE_KINDS),
        to: nstr,
        subject: nstr,
        templateId: nuuid,
        templateVersion: nint,
        locale: nstr,
        enrollmentId: nuuid,
        stepId: nstr,
        status: enumOf(MESSAGE_STATUSES),
        statusReason: nstr,
        createdAt: time,
        sentAt: ntime,
        interactions: arr(
          o({
            messageId: uuid,
            kind: enumOf(INTERACTION_KINDS),
            linkIndex: { ...nint, description: 'Clicks: the link in the message' },
            url: nstr,
            machine: bool,
            reason: { ...str, example: 'human', description: '`human`, or why it was judged a machine’s (bot_user_agent, apple_privacy_proxy, …)' },
            userAgent: nstr,
            ip: nstr,
            occurredAt: time,
          }),
        ),
      }),
    ),
    enrollments: arr(o({ id: uuid, programId: uuid, programVersion: int, status: enumOf(ENROLLMENT_STATUSES), exitReason: nstr, exitedBy: nstr, enrolledAt: time, finishedAt: ntime })),
    enrollmentSkips: {
      ...arr(o({ programId: uuid, programVersion: int, reason: enumOf(SKIP_REASONS), via: str, attempts: int, firstAt: time, lastAt: time })),
      description: 'Programs that did not take the lead although asked to, and why (e.g. it already met the goal)',
    },
    handoffs: arr(
      o({
        id: uuid,
        status: enumOf(HANDOFF_STATUSES),
        outcome: enumOf(OUTCOMES, { nullable: true, description: 'The outcome sales reported (opportunity, won, lost), as the hand-off view reads it from the status; null before one' }),
        priority: enumOf(HANDOFF_PRIORITIES),
        reason: str,
        triggerEventId: nuuid,
        triggerEventType: nstr,
        programId: nuuid,
        enrollmentId: nuuid,
        stepId: nstr,
        ownerId: nuuid,
        assignedAt: ntime,
        slaDueAt: time,
        slaBreached: { ...bool, description: 'Whether the SLA was missed, as the hand-off view reads it at export time' },
        ...HANDOFF_COURSE,
        createdAt: time,
        updatedAt: time,
        sharedWithSales: { ...obj, description: 'The picture of the lead given to sales with this hand-off (profile, source, qualification, score with reasons, timeline); empty once erased' },
      }),
    ),
    suppressions: arr(o({ reason: enumOf(SUPPRESSION_REASONS), source: nstr, createdAt: time })),
    suppressionLifts: {
      ...arr(o({ reason: enumOf(SUPPRESSION_REASONS), source: nstr, suppressedAt: time, liftedAt: time, liftedBy: str, note: nstr })),
      description: 'Entries of the lead lifted from the suppression list: by whom (an API key), when and why',
    },
    bounces: arr(o({ messageId: nuuid, type: enumOf(BOUNCE_TYPES), reason: nstr, receivedAt: time })),
    webhookDeliveries: arr(
      o({
        id: uuid,
        webhookId: uuid,
        recipientUrl: str,
        recipient: nstr,
        eventType: enumOf(WEBHOOK_EVENT_TYPES),
        status: enumOf(DELIVERY_STATUSES),
        attempts: int,
        deliveredAt: ntime,
        createdAt: time,
        body: { ...o({ type: enumOf(WEBHOOK_EVENT_TYPES), timestamp: time, data: obj }), description: 'What was sent about the lead, as signed and sent' },
      }),
    ),
  }),
};
