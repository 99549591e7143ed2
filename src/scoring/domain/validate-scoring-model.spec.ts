import { DEFAULT_SCORING_MODEL, validateScoringModel } from './scoring-model.js';

/** A fresh, editable copy of the default model as a marketer would send it. */
function draft(): any {
  return structuredClone(DEFAULT_SCORING_MODEL);
}

function fieldsOf(input: unknown): string[] {
  return validateScoringModel(input).errors.map((e) => e.field);
}

function messageFor(input: unknown, field: string): string | undefined {
  return validateScoringModel(input).errors.find((e) => e.field === field)?.message;
}

describe('validating a scoring model', () => {
  it('accepts the default model and returns an equal copy', () => {
    const result = validateScoringModel(draft());
    expect(result.errors).toEqual([]);
    expect(result.model).toEqual(DEFAULT_SCORING_MODEL);
    expect(result.model).not.toBe(DEFAULT_SCORING_MODEL);
  });

  it('keeps the default model safe from accidental edits', () => {
    expect(Object.isFrozen(DEFAULT_SCORING_MODEL.behaviourRules[0])).toBe(true);
  });

  it('refuses something that is not an object', () => {
    expect(validateScoringModel([]).errors).toEqual([{ field: '', message: 'must be an object' }]);
    expect(validateScoringModel(null).model).toBeUndefined();
  });

  it('names unknown and missing fields', () => {
    const m = draft();
    m.decay = 'fast';
    m.behaviourRules[1].bonus = 3;
    delete m.mql.engagementThreshold;
    delete m.fitRules[0].where;
    const result = validateScoringModel(m);
    expect(result.model).toBeUndefined();
    expect(result.errors).toEqual([
      { field: 'decay', message: 'is not a known field' },
      { field: 'behaviourRules[1].bonus', message: 'is not a known field' },
      { field: 'fitRules[0].where', message: 'is required' },
      { field: 'mql.engagementThreshold', message: 'is required' },
    ]);
  });

  it('names wrong types', () => {
    const m = draft();
    m.halfLifeDays = '30';
    m.behaviourRules[0].points = null;
    m.fitRules = {};
    expect(fieldsOf(m)).toEqual(expect.arrayContaining(['halfLifeDays', 'behaviourRules[0].points', 'fitRules']));
  });

  it('refuses a null naming its field, as request DTOs do, whether the field is required or may be left out', () => {
    const NULL_REFUSED = 'must not be null; leave the field out instead';
    const m = draft();
    m.halfLifeDays = null;
    m.behaviourRules[0].cap = null; // may be left out: no cap
    m.behaviourRules[1].points = null;
    m.behaviourRules[3].where[0].value = null;
    m.behaviourRules[5].where = null; // may be left out: every event of the type
    m.behaviourRules[6] = null;
    m.fitRules[0].where[0] = null;
    m.fitRules[1].where[0] = { field: 'attributes.employees', op: 'exists', value: null }; // value may be left out
    m.intentTiers.quote_requested = null;
    m.mql.qualificationFields[1] = null;
    m.mql.engagementThreshold = null;
    expect(validateScoringModel(m).errors).toEqual(
      [
        'halfLifeDays',
        'behaviourRules[0].cap',
        'behaviourRules[1].points',
        'behaviourRules[3].where[0].value',
        'behaviourRules[5].where',
        'behaviourRules[6]',
        'fitRules[0].where[0]',
        'fitRules[1].where[0].value',
        'intentTiers.quote_requested',
        'mql.engagementThreshold',
        'mql.qualificationFields[1]',
      ].map((field) => ({ field, message: NULL_REFUSED })),
    );
    expect(validateScoringModel({ ...draft(), intentTiers: null, mql: null }).errors).toEqual([
      { field: 'intentTiers', message: NULL_REFUSED },
      { field: 'mql', message: NULL_REFUSED },
    ]);
  });

  it('takes mql.minFitScore null as no fit requirement, as the model answers it', () => {
    const m = draft();
    m.mql.minFitScore = null;
    expect(validateScoringModel(m).model?.mql.minFitScore).toBeNull();
  });

  it('refuses points beyond ±1000 and a half-life outside 1 to 3650 days', () => {
    const m = draft();
    m.behaviourRules[2].points = 1001;
    m.fitRules[3].points = -1000.5;
    m.halfLifeDays = 0;
    expect(messageFor(m, 'behaviourRules[2].points')).toBe('must be between -1000 and 1000');
    expect(messageFor(m, 'fitRules[3].points')).toBe('must be between -1000 and 1000');
    expect(messageFor(m, 'halfLifeDays')).toBe('must be between 1 and 3650');
    expect(messageFor({ ...draft(), halfLifeDays: 3651 }, 'halfLifeDays')).toBe('must be between 1 and 3650');
  });

  it('refuses duplicate rule ids, also across behaviour and fit rules', () => {
    const m = draft();
    m.behaviourRules[4].id = 'email-opened';
    m.fitRules[1].id = 'page-viewed';
    expect(validateScoringModel(m).errors).toEqual([
      { field: 'behaviourRules[4].id', message: '"email-opened" is already the id of behaviourRules[0]' },
      { field: 'fitRules[1].id', message: '"page-viewed" is already the id of behaviourRules[2]' },
    ]);
  });

  it('refuses cap windows that are not fixed ISO-8601 durations', () => {
    const m = draft();
    m.behaviourRules[0].cap.window = '7 days';
    m.behaviourRules[1].cap.window = 'P1M';
    m.behaviourRules[2].cap.window = 'P400D';
    m.behaviourRules[3].cap.max = 0;
    expect(messageFor(m, 'behaviourRules[0].cap.window')).toMatch(/ISO-8601 duration/);
    expect(messageFor(m, 'behaviourRules[1].cap.window')).toMatch(/no fixed length/);
    expect(messageFor(m, 'behaviourRules[2].cap.window')).toBe('must be at most 366 days (P366D)');
    expect(messageFor(m, 'behaviourRules[3].cap.max')).toBe('must be between 1 and 10000');
  });

  it('refuses event types that are not snake_case', () => {
    const m = draft();
    m.behaviourRules[0].eventType = 'EmailOpened';
    m.intentTiers['Quote Requested'] = 'high';
    m.intentTiers.demo_requested = 'urgent';
    expect(messageFor(m, 'behaviourRules[0].eventType')).toBe('must be snake_case, such as page_viewed');
    expect(messageFor(m, 'intentTiers.Quote Requested')).toBe('event type must be snake_case, such as page_viewed');
    expect(messageFor(m, 'intentTiers.demo_requested')).toBe('must be one of high, medium, low');
  });

  it('refuses more than 500 rules', () => {
    const m = draft();
    m.behaviourRules = Array.from({ length: 501 }, (_, i) => ({ id: `r${i}`, description: 'Opened', eventType: 'email_opened', points: 1 }));
    expect(validateScoringModel(m).errors).toEqual([{ field: 'behaviourRules', message: 'has 501 rules; at most 500 are allowed' }]);
  });

  it('refuses patterns longer than 500 characters', () => {
    const m = draft();
    m.behaviourRules[3].where[0].value = `*${'a'.repeat(500)}`;
    m.fitRules[4].where[0].value = ['gmail.com', 'x'.repeat(501)];
    expect(messageFor(m, 'behaviourRules[3].where[0].value')).toBe('must be at most 500 characters');
    expect(messageFor(m, 'fitRules[4].where[0].value[1]')).toBe('must be at most 500 characters');
  });

  it('checks each condition: its fact, its operator and a value that fits the operator', () => {
    const m = draft();
    m.behaviourRules[3].where[0].field = 'propeties.url';
    m.fitRules[0].where[0].op = 'like';
    m.fitRules[1].where[0].value = 'ten';
    m.fitRules[2].where = [];
    m.fitRules[3].where[0] = { field: 'jobTitle', op: 'in', value: [] };
    expect(messageFor(m, 'behaviourRules[3].where[0].field')).toMatch(/^is not a fact this rule can test/);
    expect(messageFor(m, 'fitRules[0].where[0].op')).toMatch(/^must be one of equals, notEquals/);
    expect(messageFor(m, 'fitRules[1].where[0].value')).toBe('must be a number');
    expect(messageFor(m, 'fitRules[2].where')).toBe('must list at least 1 condition');
    expect(messageFor(m, 'fitRules[3].where[0].value')).toBe('must list at least one value');
  });

  it('checks the MQL rule', () => {
    const m = draft();
    m.mql.qualificationFields = ['need', 'bant', 'need'];
    delete m.mql.minFitScore;
    expect(validateScoringModel(m).errors).toEqual([
      { field: 'mql.qualificationFields[1]', message: 'must be one of need, timeline, budget, authority' },
      { field: 'mql.qualificationFields[2]', message: 'lists need twice' },
      { field: 'mql.minFitScore', message: 'is required (null for no fit requirement)' },
    ]);
  });

  it('refuses asking for more known qualification answers than there are fields', () => {
    const m = draft();
    m.mql.qualificationFields = ['need', 'budget'];
    m.mql.minQualificationKnown = 3;
    expect(validateScoringModel(m).errors).toEqual([{ field: 'mql.minQualificationKnown', message: 'must be between 0 and 2' }]);
  });

  it('accepts a custom model with a fit requirement, and copies only known fields', () => {
    const input = {
      halfLifeDays: 14,
      behaviourRules: [{ id: 'demo', description: 'Watched the demo', eventType: 'video_watched', where: [], points: 5 }],
      fitRules: [{ id: 'benelux', description: 'Benelux', where: [{ field: 'country', op: 'in', value: ['BE', 'NL'] }], points: 5 }],
      intentTiers: { video_watched: 'medium' },
      mql: { engagementThreshold: 30, minQualificationKnown: 1, qualificationFields: ['need'], minFitScore: 5 },
    };
    const result = validateScoringModel(input);
    expect(result.errors).toEqual([]);
    expect(result.model).toEqual(input);
    input.behaviourRules[0]!.points = 999;
    expect(result.model!.behaviourRules[0]!.points).toBe(5);
  });
});
