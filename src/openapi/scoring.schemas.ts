import { CONDITION_OPS, INTENT_TIERS, QUALIFICATION_FIELDS, SCORING_LIMITS as L } from '../scoring/domain/scoring-model.js';
import { REEVALUATION_STATUSES } from '../scoring/reevaluation-runs.js';
import { arr, enumOf, int, nnum, ntime, num, o, orNull, ref, str, time, type Schema } from './schema-kit.js';

const points: Schema = { type: 'number', minimum: -L.maxPoints, maximum: L.maxPoints };

/** A version's re-evaluation of every lead (reevaluation-runs.ts). */
const REEVALUATION: Schema = {
  ...o({
    status: { ...enumOf(REEVALUATION_STATUSES), description: 'running; completed; superseded (a newer version was published before it completed: that one re-evaluates every lead)' },
    leadsTotal: { ...int, description: 'Leads (not erased) when it started' },
    leadsDone: { ...int, description: 'Leads re-evaluated so far' },
    progress: { type: 'number', minimum: 0, maximum: 1, description: 'leadsDone of leadsTotal; 1 only once completed' },
    refitted: { ...int, description: 'Leads whose fit score changed under the new fit rules' },
    promoted: { ...int, description: 'Leads the MQL rule promoted to MQL (each handed to sales as any promotion)' },
    startedAt: time,
    updatedAt: time,
    finishedAt: ntime,
  }),
  description:
    'Publishing re-evaluates every lead under the version in the background (null for the model a fresh installation starts with), and so may an upgrade that changes how fit reads leads (it re-evaluates them under the current version, which then reports that run): ' +
    "every lead's fit score recomputed with the version's fit rules and the MQL rule applied to its engagement as earned (points already given are not rescored; moves go forward only), in batches that survive a worker restart",
};

/** The versioned scoring model (scoring-model.service, domain/scoring-model.types). */
export const SCORING_SCHEMAS: Record<string, Schema> = {
  ScoringCondition: o(
    {
      field: { type: 'string', example: 'properties.url', description: 'Dotted path of the fact tested' },
      op: enumOf(CONDITION_OPS),
      value: {
        description: 'Absent for `exists`; a list for `in`',
        oneOf: [str, num, { type: 'boolean' }, arr({ oneOf: [str, num] })],
      },
    },
    ['value'],
  ),
  ScoringModel: o({
    halfLifeDays: { type: 'number', minimum: L.minHalfLifeDays, maximum: L.maxHalfLifeDays, description: 'Engagement points halve in this many days' },
    behaviourRules: arr(
      o(
        {
          id: str,
          description: str,
          eventType: str,
          where: { ...arr(ref('ScoringCondition')), description: 'All must hold' },
          points,
          cap: { ...o({ max: int, window: { type: 'string', example: 'P7D', description: 'ISO-8601 duration' } }), description: 'At most `max` contributions in any window of this length' },
        },
        ['where', 'cap'],
      ),
    ),
    fitRules: arr(o({ id: str, description: str, where: { ...arr(ref('ScoringCondition')), description: 'All must hold' }, points })),
    intentTiers: { type: 'object', description: 'Event type → tier; types not listed are low', additionalProperties: enumOf(INTENT_TIERS) },
    mql: o({
      engagementThreshold: num,
      minQualificationKnown: int,
      qualificationFields: arr(enumOf(QUALIFICATION_FIELDS)),
      minFitScore: { ...nnum, description: 'null: no fit requirement' },
    }),
  }),
  ScoringModelVersion: o({
    version: int,
    definition: ref('ScoringModel'),
    createdAt: time,
    createdBy: { ...str, example: 'api-key:marketing', description: '`default` for the model a fresh installation starts with' },
    reevaluation: orNull(REEVALUATION),
  }),
};
