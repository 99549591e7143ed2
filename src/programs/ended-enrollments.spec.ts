import type { EntityManager } from 'typeorm';
import type { NurtureMailer } from '../email/nurture-mailer.js';
import { cancelEmailsOfEndedEnrollments, cancellationsByReason } from './ended-enrollments.js';

describe('the queued emails an enrollment that ended early takes back', () => {
  it('are cancelled with the reason a delivery claim would give: converted, or the exit reason', () => {
    const byReason = cancellationsByReason([
      { id: 'goal', status: 'converted', exitReason: 'goal' },
      { id: 'listed', status: 'exited', exitReason: 'manual' },
      { id: 'broken', status: 'exited', exitReason: 'unknown_step' },
      { id: 'failing', status: 'exited', exitReason: 'error' },
      { id: 'also-listed', status: 'exited', exitReason: 'manual' },
      { id: 'nameless', status: 'exited', exitReason: null },
    ]);
    expect(Object.fromEntries(byReason)).toEqual({
      converted: ['goal'],
      manual: ['listed', 'also-listed'],
      unknown_step: ['broken'],
      error: ['failing'],
      exited: ['nameless'],
    });
  });

  it('are none for an enrollment still running or one that completed normally (its last email still goes out)', () => {
    expect(
      cancellationsByReason([
        { id: 'waiting', status: 'active', exitReason: null },
        { id: 'done', status: 'completed', exitReason: 'finished' },
      ]).size,
    ).toBe(0);
  });

  it('go to the mailer once per reason, in the caller’s transaction, and not at all when nothing ended early', async () => {
    const calls: [EntityManager, string[], string][] = [];
    const mailer = {
      cancelQueued: async (m: EntityManager, ids: string[], reason: string) => {
        calls.push([m, ids, reason]);
        return ids.length;
      },
    } as unknown as NurtureMailer;
    const tx = {} as EntityManager;

    const n = await cancelEmailsOfEndedEnrollments(tx, mailer, [
      { id: 'a', status: 'exited', exitReason: 'disqualified' },
      { id: 'b', status: 'active', exitReason: null },
      { id: 'c', status: 'converted', exitReason: 'goal' },
      { id: 'd', status: 'exited', exitReason: 'disqualified' },
    ]);
    expect(n).toBe(3);
    expect(calls).toEqual([
      [tx, ['a', 'd'], 'disqualified'],
      [tx, ['c'], 'converted'],
    ]);
    expect(calls.every(([m]) => m === tx)).toBe(true);

    calls.length = 0;
    expect(await cancelEmailsOfEndedEnrollments(tx, mailer, [{ id: 'b', status: 'completed', exitReason: null }])).toBe(0);
    expect(calls).toEqual([]);
  });
});
