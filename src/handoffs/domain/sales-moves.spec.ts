import { DomainError, ErrorCode } from '../../common/domain-error.js';
import { ACCEPTED_HANDOFF_STATUSES, HANDOFF_STATUSES, handoffOutcome, HandoffStatus, OUTCOME_FILTERS, OUTCOMES, SalesAction, salesMove, statusesWithOutcome } from './sales-moves.js';

function conflict(current: HandoffStatus, action: SalesAction): string {
  try {
    salesMove(current, action);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.Conflict);
    return (err as DomainError).message;
  }
  throw new Error(`expected ${action.kind} on a ${current} hand-off to be refused`);
}

describe('salesMove', () => {
  const accept: SalesAction = { kind: 'accept' };
  const reject: SalesAction = { kind: 'reject', disqualify: false };
  const outcome = (o: 'opportunity' | 'won' | 'lost'): SalesAction => ({ kind: 'outcome', outcome: o });

  it('sales accepting a new hand-off makes the lead sales-qualified', () => {
    expect(salesMove('pending', accept)).toEqual({ status: 'accepted', stage: 'sql' });
  });

  it('a rejected lead goes back to long-term nurture, or out for good when disqualified', () => {
    expect(salesMove('pending', reject)).toEqual({ status: 'rejected', stage: 'recycled' });
    expect(salesMove('pending', { kind: 'reject', disqualify: true })).toEqual({ status: 'rejected', stage: 'disqualified' });
  });

  it('an accepted lead becomes an opportunity, then a customer when won', () => {
    expect(salesMove('accepted', outcome('opportunity'))).toEqual({ status: 'opportunity', stage: 'opportunity' });
    expect(salesMove('opportunity', outcome('won'))).toEqual({ status: 'won', stage: 'customer' });
    expect(salesMove('accepted', outcome('won'))).toEqual({ status: 'won', stage: 'customer' });
  });

  it('a lost deal returns the lead to long-term nurture', () => {
    expect(salesMove('opportunity', outcome('lost'))).toEqual({ status: 'lost', stage: 'recycled' });
    expect(salesMove('accepted', outcome('lost'))).toEqual({ status: 'lost', stage: 'recycled' });
  });

  it('refuses to accept twice or to accept what was rejected', () => {
    expect(conflict('accepted', accept)).toBe('The hand-off is already accepted.');
    expect(conflict('rejected', accept)).toMatch(/rejected; it cannot be accepted/);
    expect(conflict('won', accept)).toBe('The hand-off is already won.');
  });

  it('refuses to reject after accepting, and points to the lost outcome instead', () => {
    expect(conflict('accepted', reject)).toMatch(/report the outcome "lost"/);
    expect(conflict('opportunity', reject)).toMatch(/now opportunity/);
    expect(conflict('rejected', reject)).toBe('The hand-off is already rejected.');
  });

  it('refuses an outcome before acceptance, after rejection, after closing, and a second opportunity', () => {
    expect(conflict('pending', outcome('won'))).toBe('Accept the hand-off before reporting an outcome.');
    expect(conflict('rejected', outcome('lost'))).toBe('The hand-off was rejected; it has no outcome.');
    expect(conflict('won', outcome('lost'))).toMatch(/closed \(won\)/);
    expect(conflict('lost', outcome('opportunity'))).toMatch(/closed \(lost\)/);
    expect(conflict('opportunity', outcome('opportunity'))).toBe('The hand-off is already an opportunity.');
  });

  it('takes no answer on a hand-off that expired because its lead went cold', () => {
    for (const action of [accept, reject, outcome('opportunity'), outcome('won'), outcome('lost')]) {
      expect(conflict('expired', action)).toMatch(/expired: sales did not take it up and the lead went cold/);
    }
  });

  it('only ever moves leads to stages that belong to sales', () => {
    const actions: SalesAction[] = [accept, reject, { kind: 'reject', disqualify: true }, outcome('opportunity'), outcome('won'), outcome('lost')];
    const stages = new Set<string>();
    for (const status of HANDOFF_STATUSES) {
      for (const action of actions) {
        try {
          stages.add(salesMove(status, action).stage);
        } catch {
          /* refused moves are covered above */
        }
      }
    }
    expect([...stages].sort()).toEqual(['customer', 'disqualified', 'opportunity', 'recycled', 'sql']);
  });
});

describe('accepted hand-offs and their outcome', () => {
  /** Every status a hand-off can reach from `from` through sales' answers. */
  function reachable(from: HandoffStatus, actions: SalesAction[]): Set<HandoffStatus> {
    const seen = new Set<HandoffStatus>([from]);
    const todo = [from];
    for (let status = todo.pop(); status !== undefined; status = todo.pop()) {
      for (const action of actions) {
        try {
          const next = salesMove(status, action).status;
          if (seen.has(next)) continue;
          seen.add(next);
          todo.push(next);
        } catch {
          /* refused */
        }
      }
    }
    return seen;
  }
  const outcomes: SalesAction[] = OUTCOMES.map((outcome) => ({ kind: 'outcome', outcome }));

  it('counts as accepted every status an accepted hand-off can move on to, and none a hand-off reaches without acceptance', () => {
    expect([...reachable('accepted', outcomes)].sort()).toEqual([...ACCEPTED_HANDOFF_STATUSES].sort());
    const unaccepted = reachable('pending', [{ kind: 'reject', disqualify: false }, { kind: 'reject', disqualify: true }, ...outcomes]);
    expect([...unaccepted].filter((s) => ACCEPTED_HANDOFF_STATUSES.includes(s))).toEqual([]);
  });

  it('reads the reported outcome from the status: none while pending, accepted, rejected or expired', () => {
    expect(Object.fromEntries(HANDOFF_STATUSES.map((s) => [s, handoffOutcome(s)]))).toEqual({
      pending: null,
      accepted: null,
      rejected: null,
      opportunity: 'opportunity',
      won: 'won',
      lost: 'lost',
      expired: null,
    });
  });

  it('selects by outcome the statuses whose outcome the view reads as that: none for those without one, whether accepted or not', () => {
    expect(statusesWithOutcome(['none'])).toEqual(['pending', 'accepted', 'rejected', 'expired']);
    expect(statusesWithOutcome(['won'])).toEqual(['won']);
    expect(statusesWithOutcome(['lost', 'opportunity', 'lost'])).toEqual(['opportunity', 'lost']);
    expect(statusesWithOutcome([])).toEqual([]);
    // Every status is selected by exactly one filter value, the one its outcome reads as.
    for (const status of HANDOFF_STATUSES) {
      expect(OUTCOME_FILTERS.filter((f) => statusesWithOutcome([f]).includes(status))).toEqual([handoffOutcome(status) ?? 'none']);
    }
  });
});
