import { BOUNCE_TYPES } from '../suppression/dto/report-bounce.dto.js';
import { SUPPRESSION_REASONS } from '../suppression/suppression.types.js';
import { bool, enumOf, nint, nstr, nuuid, o, page, str, time, uuid, type Schema } from './schema-kit.js';

/** The suppression list, bounce and complaint intake, unsubscribes by email (suppression-list.service, bounce-intake.service, inbound-unsubscribes.controller). */
export const SUPPRESSION_SCHEMAS: Record<string, Schema> = {
  Suppression: o({
    emailHash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Salted SHA-256 of the normalised address, hex: the list keeps no address' },
    email: { type: 'string', format: 'email', nullable: true, description: "The linked lead's address; null when no lead has it (or it was erased)" },
    leadId: nuuid,
    reason: enumOf(SUPPRESSION_REASONS),
    source: { ...nstr, example: 'api-key:ops', description: 'Who or what suppressed it (api-key:…, relay:hard, list-unsubscribe, …)' },
    createdAt: { ...time, description: 'When it was listed' },
    lifted: {
      ...o({
        liftedAt: time,
        liftedBy: { ...str, example: 'api-key:ops' },
        note: { ...nstr, description: 'Why (null once the lead was erased)' },
      }),
      nullable: true,
      description: 'Only with include=lifted: how the entry left the list (see GET /suppressions/lifts); null while it is on it',
    },
  }, ['lifted']),
  SuppressionPage: page('Suppression'),
  SuppressionLift: o({
    emailHash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'The entry lifted (the list keeps no address)' },
    leadId: nuuid,
    reason: enumOf(SUPPRESSION_REASONS),
    source: { ...nstr, description: 'Who or what had suppressed it' },
    suppressedAt: time,
    liftedAt: time,
    liftedBy: { ...str, example: 'api-key:ops', description: 'Who lifted it: the API key, or the key that sent a fresh opt-in' },
    note: { ...nstr, description: 'Why (null once the lead was erased)' },
  }),
  SuppressionLiftPage: page('SuppressionLift'),
  Bounce: o({
    id: uuid,
    type: enumOf(BOUNCE_TYPES),
    messageId: { ...nuuid, description: 'The message reported, when the report named one' },
    leadId: { ...nuuid, description: 'The lead the message or address belongs to, when known' },
    suppressed: {
      type: 'boolean',
      description: 'The address is on the suppression list now: a hard bounce, a complaint, or a soft bounce that made SOFT_BOUNCE_LIMIT on distinct messages (reason soft_bounces); or it was already',
    },
    softBounces: {
      ...nint,
      description:
        'A soft report: the distinct messages of the address that soft-bounced within SOFT_BOUNCE_WINDOW_DAYS since its last human open or click or lift, this one included; null for other types, an address already suppressed, or no address',
    },
    receivedAt: time,
  }),
  MailtoUnsubscribe: o({
    unsubscribed: { ...bool, enum: [true] },
    messageId: { ...uuid, description: 'The message whose token the subject carried' },
    email: { ...nstr, description: 'The address opted out' },
  }),
};
