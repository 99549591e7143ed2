import { CreateCore1764000000000 } from './1764000000000-CreateCore.js';
import { CreateEmail1764000100000 } from './1764000100000-CreateEmail.js';
import { EmailDelivery1764000200000 } from './1764000200000-EmailDelivery.js';
import { TrackingAndBounces1764000300000 } from './1764000300000-TrackingAndBounces.js';
import { CreatePrograms1764000400000 } from './1764000400000-CreatePrograms.js';
import { CreateHandoffsAndWebhooks1764000500000 } from './1764000500000-CreateHandoffsAndWebhooks.js';
import { PrivacyAudit1764000600000 } from './1764000600000-PrivacyAudit.js';
import { LeadMilestones1764000700000 } from './1764000700000-LeadMilestones.js';
import { ScoringHotUpdates1764001000000 } from './1764001000000-ScoringHotUpdates.js';
import { FunnelAggregates1764001300000 } from './1764001300000-FunnelAggregates.js';
import { SaltedSuppressionHash1764001310000 } from './1764001310000-SaltedSuppressionHash.js';
import { ProgramFunnelLeads1764001320000 } from './1764001320000-ProgramFunnelLeads.js';
import { SetBasedEventForeignKeys1764002400000 } from './1764002400000-SetBasedEventForeignKeys.js';
import { SetBasedTrackingForeignKeys1764002600000 } from './1764002600000-SetBasedTrackingForeignKeys.js';
import { SetBasedStepRunForeignKey1764002700000 } from './1764002700000-SetBasedStepRunForeignKey.js';
import { SetBasedEnrollmentForeignKeys1764003200000 } from './1764003200000-SetBasedEnrollmentForeignKeys.js';
import { InteractionMessageTimeIndex1764004110000 } from './1764004110000-InteractionMessageTimeIndex.js';
import { IndexedReferenceChecks1764004300000 } from './1764004300000-IndexedReferenceChecks.js';
import { PartialLeadHistoryIndex1764004500000 } from './1764004500000-PartialLeadHistoryIndex.js';
import { SingleStatementReferenceChecks1764004600000 } from './1764004600000-SingleStatementReferenceChecks.js';
import { SingleStatementEnrollmentChecks1764004700000 } from './1764004700000-SingleStatementEnrollmentChecks.js';
import { HoneypotClickIndex1764004800000 } from './1764004800000-HoneypotClickIndex.js';
import { IdempotencyRecordsExpiry1764004900000 } from './1764004900000-IdempotencyRecordsExpiry.js';
import { ScrubStoredWebhookSecrets1764005000000 } from './1764005000000-ScrubStoredWebhookSecrets.js';
import { SlaComplianceCountsBreaches1764005100000 } from './1764005100000-SlaComplianceCountsBreaches.js';
import { WebhookSecretRotation1764005200000 } from './1764005200000-WebhookSecretRotation.js';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [CreateCore1764000000000, CreateEmail1764000100000, EmailDelivery1764000200000, TrackingAndBounces1764000300000, CreatePrograms1764000400000, CreateHandoffsAndWebhooks1764000500000, PrivacyAudit1764000600000, LeadMilestones1764000700000, ScoringHotUpdates1764001000000, FunnelAggregates1764001300000, SaltedSuppressionHash1764001310000, ProgramFunnelLeads1764001320000, SetBasedEventForeignKeys1764002400000, SetBasedTrackingForeignKeys1764002600000, SetBasedStepRunForeignKey1764002700000, SetBasedEnrollmentForeignKeys1764003200000, InteractionMessageTimeIndex1764004110000, IndexedReferenceChecks1764004300000, PartialLeadHistoryIndex1764004500000, SingleStatementReferenceChecks1764004600000, SingleStatementEnrollmentChecks1764004700000, HoneypotClickIndex1764004800000, IdempotencyRecordsExpiry1764004900000, ScrubStoredWebhookSecrets1764005000000, SlaComplianceCountsBreaches1764005100000, WebhookSecretRotation1764005200000];
