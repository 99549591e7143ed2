import { ENROLLMENT_STATUSES } from '../programs/dto/list-enrollments.query.js';
import { PROGRAM_STATUSES } from '../programs/dto/list-programs.query.js';
import { SKIP_REASONS } from '../programs/enrollment-writer.js';
import { STARTER_PROGRAMS, STARTER_TEMPLATES } from '../programs/starters/starter-programs.js';
import { arr, bool, enumOf, int, nint, nnum, nstr, ntime, num, nuuid, o, obj, orNull, page, ref, str, time, uuid, type Schema } from './schema-kit.js';

const comparison = o({ differencePoints: num, relativeChange: nnum, z: nnum, pValue: nnum, significant: bool });

/** Nurture programs, their enrollments, stats and simulation (programs.service, enrollments.service, program-stats.service). */
export const PROGRAMS_SCHEMAS: Record<string, Schema> = {
  Program: o(
    {
      id: uuid,
      name: str,
      status: enumOf(PROGRAM_STATUSES),
      currentVersion: nint,
      definition: { type: 'object', description: 'The draft definition (see the request body)', additionalProperties: true },
      starter: {
        ...nstr,
        example: 'recycle-monthly',
        description: 'The starter program it was installed from (POST /api/v1/programs/starters); an archived one keeps its key, and installing the starters again creates a new program with it',
      },
      createdAt: time,
      updatedAt: time,
      archivedAt: ntime,
      versions: arr(o({ version: int, publishedAt: time, publishedBy: str })),
    },
    ['versions'],
  ),
  ProgramPage: page('Program'),
  StarterInstall: o({
    templates: arr(o({ name: enumOf(STARTER_TEMPLATES), templateId: uuid, created: { ...bool, description: 'true: installed now (also when the one installed before was archived); false: one not archived was installed already and is kept as it is' } })),
    programs: arr(
      o({
        key: enumOf(STARTER_PROGRAMS.map((starter) => starter.key)),
        program: ref('Program'),
        created: {
          ...bool,
          description: 'true: created now (also when the program installed before with this key was archived: that one stays archived); false: a program not archived has this key and is kept as it is',
        },
      }),
    ),
  }),
  Enrollment: o({
    id: uuid,
    programId: uuid,
    programVersion: int,
    leadId: uuid,
    status: enumOf(ENROLLMENT_STATUSES),
    exitReason: { ...nstr, example: 'unenrolled', description: 'Why it exited: goal, unenrolled (taken out through the API), archived, unsubscribed, …' },
    exitedBy: { ...nstr, example: 'api-key:crm', description: 'Who ended it by hand (unenrolled); null for every other ending' },
    via: str,
    currentStepId: nstr,
    stepVisit: int,
    nextRunAt: ntime,
    waitingFor: { type: 'object', nullable: true, additionalProperties: true },
    variants: { type: 'object', description: 'A/B variant chosen per step', additionalProperties: { type: 'string' } },
    enrolledAt: time,
    finishedAt: ntime,
  }),
  EnrollmentPage: page('Enrollment'),
  BulkEnrollmentResult: o({
    requested: nint,
    enrolled: int,
    skipped: nint,
    goalAlreadyMet: { ...int, description: 'Leads not enrolled because they already met the goal (part of skipped)' },
    suppressed: {
      ...int,
      description: 'Leads not enrolled because they may not be mailed: on the suppression list or consent withdrawn (part of skipped; stats and the lead export give each reason)',
    },
  }),
  ProgramStats: o({
    programId: uuid,
    enrollments: o({ total: int, active: int, completed: int, converted: int, exited: int }),
    skipped: {
      type: 'object',
      description: `Leads not enrolled although a trigger or the API asked for them, per reason (${SKIP_REASONS.join(', ')})`,
      additionalProperties: { type: 'integer' },
    },
    steps: arr(
      o(
        {
          stepId: str,
          type: nstr,
          entered: int,
          sent: int,
          delivered: int,
          humanOpens: int,
          clicks: int,
          unsubscribes: int,
          goalReached: int,
          exited: { type: 'object', description: 'Count per exit reason', additionalProperties: { type: 'integer' } },
          variants: {
            ...arr(
              o({
                variant: str,
                templateId: nuuid,
                subject: nstr,
                weight: num,
                sent: int,
                delivered: int,
                humanOpens: int,
                clicks: int,
                openRate: num,
                clickRate: num,
                vsControl: orNull(o({ opens: comparison, clicks: comparison })),
              }),
            ),
            description: 'A/B email steps only',
          },
        },
        ['variants'],
      ),
    ),
  }),
  Simulation: o({
    programId: uuid,
    version: { ...nint, description: 'null: the draft' },
    from: time,
    timezone: str,
    timeline: arr(o({ at: time, stepId: nstr, stepType: nstr, action: str, detail: obj })),
    outcome: o({
      status: enumOf([...ENROLLMENT_STATUSES, 'skipped'], { description: 'skipped: the lead would not be enrolled (exitReason says why)' }),
      exitReason: nstr,
      at: ntime,
    }),
    emails: int,
  }),
};
