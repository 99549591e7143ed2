import fc from 'fast-check';
import { STAGES, type Stage } from '../../scoring/domain/lifecycle.js';
import { INITIAL_STAGES, upsertStage, type InitialStage } from './initial-stage.js';

describe('the stage a lead upsert gives', () => {
  it('creates a lead at the stage asked for (lead by default); only customer and disqualified are recorded in the history', () => {
    expect(upsertStage(null, undefined)).toEqual({ kind: 'create', stage: 'lead', recorded: false });
    expect(upsertStage(null, 'subscriber')).toEqual({ kind: 'create', stage: 'subscriber', recorded: false });
    expect(upsertStage(null, 'customer')).toEqual({ kind: 'create', stage: 'customer', recorded: true });
    expect(upsertStage(null, 'disqualified')).toEqual({ kind: 'create', stage: 'disqualified', recorded: true });
  });

  it('moves an existing subscriber on to lead, and nothing else', () => {
    expect(upsertStage('subscriber', 'lead')).toEqual({ kind: 'move', from: 'subscriber', to: 'lead' });
    expect(upsertStage('mql', 'lead')).toEqual({ kind: 'keep' });
    expect(upsertStage('lead', 'subscriber')).toEqual({ kind: 'keep' });
  });

  it('refuses to make an existing lead customer or disqualified, pointing to PATCH; asking for the stage it has is fine', () => {
    expect(upsertStage('lead', 'customer')).toEqual({ kind: 'refuse', message: expect.stringContaining('PATCH /api/v1/leads/{id}') });
    expect(upsertStage('mql', 'disqualified')).toEqual({ kind: 'refuse', message: expect.stringContaining('stage mql') });
    expect(upsertStage('customer', 'customer')).toEqual({ kind: 'keep' });
    expect(upsertStage('disqualified', 'disqualified')).toEqual({ kind: 'keep' });
  });

  it('never moves an existing lead anywhere but from subscriber to lead', () => {
    fc.assert(
      fc.property(fc.constantFrom<Stage>(...STAGES), fc.option(fc.constantFrom<InitialStage>(...INITIAL_STAGES), { nil: undefined }), (current, asked) => {
        const outcome = upsertStage(current, asked);
        expect(outcome.kind).not.toBe('create');
        if (outcome.kind === 'move') expect([current, asked]).toEqual(['subscriber', 'lead']);
      }),
    );
  });
});
