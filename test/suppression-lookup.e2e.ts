import fc from 'fast-check';
import type { EntityManager } from 'typeorm';
import { SystemClock } from '../src/common/clock.js';
import { emailHash, useSuppressionSalt } from '../src/suppression/email-hash.js';
import { listedSuppressions, SuppressionService } from '../src/suppression/suppression.service.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * The scheduler's set-based suppression lookup (hashes computed in Node, both key lists looked up in one
 * statement) answers exactly what the per-lead SQL check answers: by lead id or by salted address hash,
 * the earliest entry when several match.
 */
describe('listedSuppressions', () => {
  const t = useTestDatabase();
  let manager: EntityManager;
  const reasons = ['unsubscribed', 'hard_bounce', 'complaint', 'manual'] as const;

  beforeAll(async () => {
    useSuppressionSalt((await t.db.query(`SELECT salt FROM suppression_hash_salt`)).rows[0].salt);
    manager = { query: async (sql: string, params?: unknown[]) => (await t.db.query(sql, params)).rows } as unknown as EntityManager;
  });

  async function leads(n: number, tag: string): Promise<{ id: string; email: string }[]> {
    const { rows } = await t.db.query(
      `INSERT INTO leads (email, email_normalized) SELECT 'L' || i || '-' || $2 || '@Example.be', 'l' || i || '-' || $2 || '@example.be'
         FROM generate_series(1, $1) i RETURNING id, email_normalized AS email`,
      [n, tag],
    );
    return rows;
  }

  async function suppress(hash: string, leadId: string | null, reason: string, at: string): Promise<void> {
    await t.db.query(`INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at) VALUES ($1, $2, $3, 'test', $4)`, [hash, leadId, reason, at]);
  }

  it('finds a lead by its id, by its address hash, and gives the earliest entry when both match', async () => {
    const [byId, byAddress, both, clean] = await leads(4, 'fixed');
    await suppress(emailHash('someone-else@example.be'), byId.id, 'unsubscribed', '2026-01-02T00:00:00Z');
    await suppress(emailHash(byAddress.email), null, 'hard_bounce', '2026-01-02T00:00:00Z');
    await suppress(emailHash(both.email), null, 'complaint', '2026-01-01T00:00:00Z');
    await suppress(emailHash('third@example.be'), both.id, 'manual', '2026-01-03T00:00:00Z');

    const found = await listedSuppressions(manager, [byId, byAddress, both, clean, { id: clean.id, email: null }]);
    expect(Object.fromEntries(found)).toEqual({ [byId.id]: 'unsubscribed', [byAddress.id]: 'hard_bounce', [both.id]: 'complaint' });
    expect(await listedSuppressions(manager, [])).toEqual(new Map());
  });

  it('agrees with the per-lead SQL check for any mix of entries', async () => {
    const service = new SuppressionService(new SystemClock());
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ lead: fc.nat(5), byAddress: fc.boolean(), linked: fc.boolean(), reason: fc.constantFrom(...reasons), minute: fc.nat(59) }), { maxLength: 8 }),
        async (entries) => {
          const batch = await leads(6, `p${round++}`);
          const used = new Set<string>();
          for (const [i, e] of entries.entries()) {
            const lead = batch[e.lead];
            // Distinct times (the earliest entry wins; a tie has no defined winner). The hash is the list's primary key: an entry by id alone gets an address of its own.
            const hash = e.byAddress ? emailHash(lead.email) : emailHash(`other-${round}-${e.lead}-${e.minute}@example.be`);
            if (used.has(hash)) continue;
            used.add(hash);
            await suppress(hash, e.byAddress && !e.linked ? null : lead.id, e.reason, `2026-02-01T10:${String(e.minute).padStart(2, '0')}:${String(i).padStart(2, '0')}Z`);
          }
          const expected = await service.suppressedAmong(manager, batch.map((l) => l.id));
          expect(await listedSuppressions(manager, batch)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
