import type { DataSource } from 'typeorm';
import { KnownLeadEventWriter, MAX_ROWS_PER_STATEMENT, STATEMENTS_IN_FLIGHT, type KnownLeadEventRow } from './known-lead-event-writer.js';

/** Answers each statement when told; a request is "unknown" when one of its emails starts with "new". */
class FakeDb {
  readonly statements: unknown[][] = [];
  private readonly pending: (() => void)[] = [];
  failWhen: (params: unknown[]) => boolean = () => false;

  query(_sql: string, params: unknown[]): Promise<unknown[]> {
    this.statements.push(params);
    return new Promise((resolve, reject) => {
      this.pending.push(() => {
        if (this.failWhen(params)) return reject(new Error('foreign key violation'));
        const emails = params[2] as (string | null)[];
        const req = params[8] as number[];
        const unknown = new Set(req.filter((_, i) => emails[i]?.startsWith('new')));
        resolve(emails.map((e, i) => ({ lead_id: e?.startsWith('new') ? null : `lead-${e}`, all_known: !unknown.has(req[i]), stored: !unknown.has(req[i]) })));
      });
    });
  }
  get open(): number {
    return this.pending.length;
  }
  answer(): void {
    this.pending.shift()!();
  }
}

const row = (email: string): KnownLeadEventRow => ({
  id: `id-${email}`,
  leadId: null,
  email,
  type: 'page_viewed',
  occurredAt: '2026-03-02T10:00:00.000Z',
  properties: '{}',
  idempotencyKey: null,
  insert: true,
});
const tick = () => new Promise((r) => setImmediate(r));
const at = new Date('2026-03-02T10:00:00Z');

describe('known-lead event writer (group commit of ingestion)', () => {
  it('writes a request at once when idle, and the requests arriving meanwhile together in one statement, each answered on its own', async () => {
    const db = new FakeDb();
    const w = new KnownLeadEventWriter(db as unknown as DataSource);
    const first = Array.from({ length: STATEMENTS_IN_FLIGHT }, (_, i) => w.write([row(`a${i}`)], at));
    expect(db.statements).toHaveLength(STATEMENTS_IN_FLIGHT);
    const later = [w.write([row('b'), row('c')], at), w.write([row('new1')], at), w.write([row('d')], at)];
    expect(db.statements).toHaveLength(STATEMENTS_IN_FLIGHT);
    db.answer();
    await first[0];
    await tick();
    expect(db.statements).toHaveLength(STATEMENTS_IN_FLIGHT + 1);
    expect(db.statements[STATEMENTS_IN_FLIGHT][8]).toEqual([0, 0, 1, 2]); // three requests, one statement
    while (db.open) db.answer();
    const [bc, unknown, d] = await Promise.all(later);
    expect(bc).toEqual({ allKnown: true, rows: [{ leadId: 'lead-b', stored: true }, { leadId: 'lead-c', stored: true }] });
    expect(unknown.allKnown).toBe(false); // this request alone goes the lead-creating way
    expect(d).toEqual({ allKnown: true, rows: [{ leadId: 'lead-d', stored: true }] });
  });

  it('never puts more than MAX_ROWS_PER_STATEMENT rows in a statement, nor splits a request', async () => {
    const db = new FakeDb();
    const w = new KnownLeadEventWriter(db as unknown as DataSource);
    const big = (p: string) => Array.from({ length: 1000 }, (_, i) => row(`${p}${i}`));
    const all = Array.from({ length: STATEMENTS_IN_FLIGHT + 6 }, (_, r) => w.write(big(`r${r}-`), at));
    while ((await Promise.race([Promise.all(all).then(() => true), tick().then(() => false)])) === false) if (db.open) db.answer();
    expect(db.statements.every((s) => (s[0] as string[]).length <= MAX_ROWS_PER_STATEMENT && (s[0] as string[]).length % 1000 === 0)).toBe(true);
  });

  it("retries each request of a failed statement on its own, so one request's error fails only that request", async () => {
    const db = new FakeDb();
    const w = new KnownLeadEventWriter(db as unknown as DataSource);
    db.failWhen = (params) => (params[2] as string[]).includes('bad');
    const busy = Array.from({ length: STATEMENTS_IN_FLIGHT }, (_, i) => w.write([row(`x${i}`)], at));
    const good = w.write([row('good')], at);
    const bad = w.write([row('bad')], at);
    const outcome = Promise.allSettled([good, bad]);
    while ((await Promise.race([outcome.then(() => true), tick().then(() => false)])) === false) if (db.open) db.answer();
    const [g, b] = await outcome;
    expect(g).toMatchObject({ status: 'fulfilled', value: { allKnown: true } });
    expect(b).toMatchObject({ status: 'rejected' });
    await Promise.all(busy);
  });
});
