import type { INestApplicationContext } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxRelay, type OutboxConsumer, type OutboxEvent } from '../src/lifecycle/outbox-relay.service.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

/** A consumer that writes what it saw into a probe table, in the relay's transaction; it fails on "poison" events. */
function probe(worker: string): OutboxConsumer {
  return {
    name: `probe-${worker}`,
    types: ['lead.created'],
    async consume(m: EntityManager, events: OutboxEvent[]) {
      await m.query(`INSERT INTO relay_probe (event_id, worker) SELECT unnest($1::uuid[]), $2`, [events.map((e) => e.id), worker]);
      const poison = events.find((e) => e.payload.poison === true);
      if (poison) throw new Error(`cannot handle event ${poison.id}`);
    },
  };
}

describe('the outbox relay', () => {
  let api: TestApp;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    api = await startTestApp({ role: 'api', env: { OUTBOX_RELAY_MS: '20', OUTBOX_RELAY_BATCH: '50', OUTBOX_MAX_ATTEMPTS: '3' } });
    await api.db.query(`CREATE TABLE relay_probe (event_id uuid NOT NULL, worker text NOT NULL)`);
    for (const name of ['one', 'two']) {
      const worker = await startTestWorker(api);
      worker.get(OutboxRelay).register(probe(name));
      workers.push(worker);
    }
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
  });

  const record = (n: number, payload: Record<string, unknown> = {}) =>
    api.db.query(
      `INSERT INTO outbox_events (type, lead_id, payload, occurred_at)
       SELECT 'lead.created', NULL, $2::jsonb || jsonb_build_object('n', i), now() FROM generate_series(1, $1) AS i RETURNING id`,
      [n, JSON.stringify(payload)],
    );
  const unpublished = async () => (await api.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND attempts < 3`))[0].n;

  it('two workers share the outbox and each event reaches a consumer exactly once', async () => {
    const events: { id: string }[] = await record(3000);
    await eventually(async () => (await unpublished()) === 0, 20_000);
    const seen: { event_id: string; times: number }[] = await api.db.query(
      `SELECT event_id, count(*)::int AS times FROM relay_probe WHERE event_id = ANY($1::uuid[]) GROUP BY event_id`,
      [events.map((e) => e.id)],
    );
    expect(seen).toHaveLength(3000);
    expect(seen.filter((s) => s.times !== 1)).toEqual([]);
  });

  it('an event a consumer keeps failing on does not hold up the others; its batch-mates are consumed once, it is left for an operator', async () => {
    await api.db.query(`TRUNCATE relay_probe`);
    const [poison] = await record(1, { poison: true });
    const others: { id: string }[] = await record(40);
    await eventually(async () => {
      const [row] = await api.db.query(`SELECT attempts FROM outbox_events WHERE id = $1`, [poison.id]);
      return row.attempts === 3 && (await unpublished()) === 0;
    }, 20_000);
    const [dead] = await api.db.query(`SELECT published_at, last_error FROM outbox_events WHERE id = $1`, [poison.id]);
    expect(dead).toEqual({ published_at: null, last_error: `cannot handle event ${poison.id}` });
    // The failed batches rolled back their probe rows; what remains is one row per good event and none for the poison.
    const seen: { event_id: string; times: number }[] = await api.db.query(`SELECT event_id, count(*)::int AS times FROM relay_probe GROUP BY event_id`);
    expect(seen.map((s) => s.event_id).sort()).toEqual(others.map((e) => e.id).sort());
    expect(seen.every((s) => s.times === 1)).toBe(true);
  });
});
