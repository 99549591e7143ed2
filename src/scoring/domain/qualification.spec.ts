import fc from 'fast-check';
import { evaluateFit } from './fit.js';
import { evaluateMqlRule } from './mql-rule.js';
import { isKnownAnswer, knownAnswers } from './qualification.js';
import { DEFAULT_SCORING_MODEL } from './scoring-model.js';
import type { QualificationField } from './scoring-model.types.js';

/** The answers the default model has a `<field>-known` fit rule for (authority is judged by its value instead). */
const COUNTED = ['need', 'budget', 'timeline'] as const satisfies readonly QualificationField[];

const fitCounts = (field: QualificationField, answer: unknown) =>
  evaluateFit({ email: 'ann@acme.be', attributes: {}, qualification: { [field]: answer }, source: {} }, DEFAULT_SCORING_MODEL).contributions.some(
    (c) => c.ruleId === `${field}-known`,
  );

const mqlCounts = (field: QualificationField, answer: unknown) =>
  evaluateMqlRule(
    { engagementScore: 0, fitScore: 0, qualification: { [field]: answer } },
    { ...DEFAULT_SCORING_MODEL.mql, qualificationFields: [field], minQualificationKnown: 1 },
  ).conditions.find((c) => c.id === 'qualification')?.actual === 1;

/** White space as forms and CRM exports leave it around an answer: spaces, tabs, line breaks, no-break and wide spaces. */
const padding = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff'), maxLength: 3 });
const answerText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.tuple(padding, fc.oneof(fc.mixedCase(fc.constant('unknown')), fc.constantFrom('', 'Q3', 'none yet', 'unknown yet', 'n/a')), padding).map(
    ([before, word, after]) => before + word + after,
  ),
);

describe('a qualification answer known', () => {
  it('is known to fit exactly when it is known to the MQL rule, for every answer text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COUNTED), answerText, (field, answer) => {
        expect({ answer, fit: fitCounts(field, answer) }).toEqual({ answer, fit: mqlCounts(field, answer) });
      }),
      { numRuns: 3000 },
    );
  });

  it('is known to fit exactly when it is known to the MQL rule, for any stored JSON value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COUNTED), fc.jsonValue(), (field, answer) => {
        expect({ answer, fit: fitCounts(field, answer) }).toEqual({ answer, fit: mqlCounts(field, answer) });
      }),
      { numRuns: 1000 },
    );
  });

  it('is text other than blank or "unknown", trimmed and in any case; a finite number; or a yes/no', () => {
    for (const answer of ['Q3', ' CRM ', 'none yet', 'unknown yet', 0, 12.5, true, false]) expect({ answer, known: isKnownAnswer(answer) }).toEqual({ answer, known: true });
    for (const answer of ['', '   ', '\t\n', 'unknown', ' unknown ', '\u00a0UNKNOWN\n', 'Unknown ', null, undefined, Number.NaN, Number.POSITIVE_INFINITY, ['CRM'], { need: 'CRM' }]) {
      expect({ answer, known: isKnownAnswer(answer) }).toEqual({ answer, known: false });
    }
  });

  it('is all fit rules see of the answers: known ones trimmed, the others absent', () => {
    const qualification = { need: ' CRM ', budget: ' unknown ', timeline: '', authority: ' decision_maker', extra: 3 };
    expect(knownAnswers(qualification)).toEqual({ need: 'CRM', authority: 'decision_maker', extra: 3 });
    expect(Object.hasOwn(knownAnswers(JSON.parse('{"__proto__": "yes"}') as Record<string, unknown>), '__proto__')).toBe(true);
  });
});
