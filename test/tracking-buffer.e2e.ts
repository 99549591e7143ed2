import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { encodeHit } from '../src/tracking/domain/tracking-hit.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { HIT_GROUP, hitStreamKey } from '../src/tracking/hit-stream.js';
import { eventually, startTestApp, startTestWorker, TestApp } from './support/test-app.js';
import { TestDatabase } from './support/test-database.js';
import { redisUrl } from './support/test-env.js';

const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';

async function sentMessage(t: TestApp): Promise<{ leadId: string; messageId: string }> {
  const [lead] = await t.db.query(`INSERT INTO leads (email, email_normalized) VALUES ($1, $1) RETURNING id`, [`lead-${randomUUID()}@example.be`]);
  const [message] = await t.db.query(
    `INSERT INTO email_messages (idempotency_key, kind, lead_id, status, links, sent_at) VALUES ($1, 'nurture', $2, 'sent', '[]', now() - interval '1 hour') RETURNING id`,
    [randomUUID(), lead.id],
  );
  return { leadId: lead.id, messageId: message.id };
}

const stored = (t: TestApp, messageId: string): Promise<{ machine: boolean; reason: string }[]> =>
  t.db.query(`SELECT machine, reason FROM email_interactions WHERE message_id = $1`, [messageId]);

async function open(t: TestApp, messageId: string): Promise<void> {
  await t.http().get(`/t/o/${signToken(t.config.trackingSecret, { k: 'o', m: messageId })}`).set('user-agent', IPHONE_MAIL).expect(200);
}

/**
 * An API process alone on a fresh database and queue prefix; `startWorker` starts a worker on the same
 * ones (typically after the API is closed). Everything is closed and dropped afterwards.
 */
async function apiThenWorker(run: (api: TestApp, startWorker: () => Promise<TestApp>) => Promise<void>): Promise<void> {
  const database = await TestDatabase.create();
  const queuePrefix = `t${randomBytes(4).toString('hex')}`;
  const api = await startTestApp({ role: 'api', database, queuePrefix });
  let worker: TestApp | undefined;
  try {
    await run(api, async () => (worker = await startTestApp({ role: 'worker', database, queuePrefix })));
  } finally {
    await worker?.close();
    await database.drop();
  }
}

describe('the tracking buffer between the endpoints and PostgreSQL', () => {
  const redis = new Redis(redisUrl());
  afterAll(() => redis.disconnect());

  it('keeps hits an API process answered, even if that process goes away, until a worker stores them', () =>
    apiThenWorker(async (api, startWorker) => {
      const { messageId } = await sentMessage(api);
      await open(api, messageId);
      await open(api, messageId);
      expect(await redis.xlen(hitStreamKey(api.config))).toBe(2);
      expect(await stored(api, messageId)).toEqual([]); // no worker runs: nothing is written yet
      await api.app.close(); // the API process is gone; the hits it answered are in Redis

      const worker = await startWorker();
      const rows = await eventually(async () => ((await stored(worker, messageId)).length === 2 ? stored(worker, messageId) : null));
      expect(rows).toEqual([{ machine: false, reason: 'human' }, { machine: false, reason: 'human' }]);
      await eventually(async () => (await redis.xlen(hitStreamKey(worker.config))) === 0); // acknowledged and deleted
    }));

  it('adds the hits of one moment to the stream together, one entry each, all answered and all stored', () =>
    apiThenWorker(async (api, startWorker) => {
      const { messageId } = await sentMessage(api);
      await Promise.all(Array.from({ length: 40 }, () => open(api, messageId)));
      const entries = await redis.xrange(hitStreamKey(api.config), '-', '+');
      expect(entries).toHaveLength(40);
      expect(new Set(entries.map(([, fields]) => JSON.parse(fields[1])[1])).size).toBe(40); // 40 distinct hits, field h
      await api.app.close();

      const worker = await startWorker();
      await eventually(async () => (await stored(worker, messageId)).length === 40);
      await eventually(async () => (await redis.xlen(hitStreamKey(worker.config))) === 0);
    }));

  it('adds the hits that arrive within TRACKING_BUFFER_LINGER_MS of the first in one call to Redis, and answers both', async () => {
    // Counted as the API's client sends them, not with MONITOR: a MONITOR connection sees every client of the shared
    // Redis, and ioredis mistakes the lines that arrive with its OK for replies ("Command queue state error").
    const t = await startTestApp({ role: 'api', env: { TRACKING_BUFFER_LINGER_MS: '400' } });
    const sent = jest.spyOn(Redis.prototype, 'sendCommand');
    try {
      const { messageId } = await sentMessage(t);
      await open(t, messageId); // the script is in Redis's cache from here on: one EVALSHA per call
      const key = hitStreamKey(t.config);
      const scriptCalls = () =>
        sent.mock.calls
          .map(([command]) => command as unknown as { name: string; args: unknown[] })
          .filter(({ name, args }) => /^eval(sha)?$/i.test(name) && String(args[2]) === key)
          .map(({ args }) => args.length - 3); // sha 1 key hit…
      sent.mockClear();
      const first = open(t, messageId);
      await new Promise((r) => setTimeout(r, 100));
      await Promise.all([first, open(t, messageId)]);
      expect(scriptCalls()).toEqual([2]);
      expect(await redis.xlen(key)).toBe(3);
    } finally {
      sent.mockRestore();
      await t.close();
    }
  });

  describe('when storing falls behind (the oldest buffered hit waited longer than TRACKING_BUFFER_MAX_LAG_MS)', () => {
    /** Whether the request has been answered after `ms`: a held answer is still pending. */
    const answeredWithin = (req: Promise<unknown>, ms: number) =>
      Promise.race([req.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('holds the answers until a worker has stored the backlog, then answers them; every hit is stored', async () => {
      const t = await startTestApp({ role: 'api', env: { TRACKING_BUFFER_MAX_LAG_MS: '300', TRACKING_BUFFER_MAX_WAIT_MS: '30000' } });
      let worker: INestApplicationContext | undefined;
      try {
        const { messageId } = await sentMessage(t);
        await open(t, messageId);
        await open(t, messageId); // the oldest hit is fresh: answered at once
        await sleep(400); // no worker runs: the oldest hit is now older than 300 ms
        const held = open(t, messageId); // in Redis, but its answer waits
        expect(await answeredWithin(held, 500)).toBe(false);
        await eventually(async () => (await redis.xlen(hitStreamKey(t.config))) === 3);

        const metrics = await t.http().get('/metrics').expect(200);
        expect(metrics.text).toMatch(/^tracking_buffer_hits 3$/m);
        const lag = Number(/^tracking_storing_lag_seconds ([\d.]+)$/m.exec(metrics.text)?.[1]);
        expect(lag).toBeGreaterThanOrEqual(0.9); // the first hit has waited 400 + 500 ms at least

        worker = await startTestWorker(t);
        await held; // answered once the worker stored the backlog
        await eventually(async () => (await stored(t, messageId)).length === 3);
      } finally {
        await worker?.close();
        await t.close();
      }
    });

    it('does not hold answers for hits a dead worker took (a third of TRACKING_RECLAIM_IDLE_MS ago), and the metric still shows them', async () => {
      const t = await startTestApp({ role: 'api', env: { TRACKING_BUFFER_MAX_LAG_MS: '100', TRACKING_BUFFER_MAX_WAIT_MS: '1000', TRACKING_RECLAIM_IDLE_MS: '3000' } });
      try {
        const key = hitStreamKey(t.config);
        const { messageId } = await sentMessage(t);
        await open(t, messageId);
        await redis.xgroup('CREATE', key, HIT_GROUP, '0', 'MKSTREAM');
        await redis.xreadgroup('GROUP', HIT_GROUP, 'worker-that-died', 'COUNT', 10, 'STREAMS', key, '>'); // taken, never stored
        await sleep(1200); // taken more than 1 s ago: a dead worker's
        expect(await answeredWithin(open(t, messageId), 600)).toBe(true); // nothing else is late: not held
        await sleep(300); // the hit just added is untaken and now late
        const held = open(t, messageId);
        expect(await answeredWithin(held, 500)).toBe(false); // so this answer waits

        const metrics = await t.http().get('/metrics').expect(200);
        const lag = Number(/^tracking_storing_lag_seconds ([\d.]+)$/m.exec(metrics.text)?.[1]);
        expect(lag).toBeGreaterThanOrEqual(2); // the dead worker's hit, 1200 + 300 + 500 ms at least
        await held; // released after the longest hold
      } finally {
        await t.close();
      }
    });

    it('answers after TRACKING_BUFFER_MAX_WAIT_MS when storing does not catch up, and a maximum lag of 0 never holds', async () => {
      const t = await startTestApp({ role: 'api', env: { TRACKING_BUFFER_MAX_LAG_MS: '100', TRACKING_BUFFER_MAX_WAIT_MS: '600' } });
      const unheld = await startTestApp({ role: 'api', env: { TRACKING_BUFFER_MAX_LAG_MS: '0' } });
      try {
        const { messageId } = await sentMessage(t);
        await open(t, messageId);
        await sleep(200);
        const held = open(t, messageId);
        expect(await answeredWithin(held, 300)).toBe(false); // no worker runs: the lag only grows
        await held; // released after the maximum wait
        expect(await redis.xlen(hitStreamKey(t.config))).toBe(2);

        const other = await sentMessage(unheld);
        await open(unheld, other.messageId);
        await sleep(200);
        expect(await answeredWithin(open(unheld, other.messageId), 250)).toBe(true); // no worker either, never held
        expect(await redis.xlen(hitStreamKey(unheld.config))).toBe(2);
      } finally {
        await unheld.close();
        await t.close();
      }
    });
  });

  describe('with several workers', () => {
    let t: TestApp;
    let worker: INestApplicationContext | undefined;

    beforeAll(async () => {
      t = await startTestApp({ role: 'api', env: { TRACKING_RECLAIM_IDLE_MS: '300' } });
    });
    afterAll(async () => {
      await worker?.close();
      await t?.close();
    });

    it('a hit taken by a worker that died before storing it is taken over by another worker', async () => {
      const key = hitStreamKey(t.config);
      const { messageId } = await sentMessage(t);
      await open(t, messageId);
      await redis.xgroup('CREATE', key, HIT_GROUP, '0', 'MKSTREAM').catch(() => undefined);
      const taken = (await redis.xreadgroup('GROUP', HIT_GROUP, 'worker-that-died', 'COUNT', 10, 'STREAMS', key, '>')) as [string, unknown[]][];
      expect(taken[0][1]).toHaveLength(1); // read, never acknowledged

      worker = await startTestWorker(t);
      await eventually(async () => (await stored(t, messageId)).length === 1);
      await eventually(async () => ((await redis.xpending(key, HIT_GROUP)) as [number])[0] === 0);
      expect(await stored(t, messageId)).toEqual([{ machine: false, reason: 'human' }]);
    });

    it('a hit delivered twice is stored once', async () => {
      const { leadId, messageId } = await sentMessage(t);
      const hit = { id: randomUUID(), kind: 'open' as const, messageId, linkIndex: null, url: null, method: 'GET' as const, userAgent: IPHONE_MAIL, ip: '198.51.100.7', at: Date.now() };
      await redis.xadd(hitStreamKey(t.config), '*', 'h', encodeHit(hit));
      await eventually(async () => (await stored(t, messageId)).length === 1);
      await redis.xadd(hitStreamKey(t.config), '*', 'h', encodeHit(hit));
      await eventually(async () => (await redis.xlen(hitStreamKey(t.config))) === 0);
      expect(await stored(t, messageId)).toHaveLength(1);
      const events = await t.db.query(`SELECT id FROM events WHERE lead_id = $1`, [leadId]);
      expect(events).toEqual([{ id: hit.id }]);
    });

    it('a human open delivered twice, in one batch and again later, is stored once and scored once', async () => {
      const { leadId, messageId } = await sentMessage(t);
      const hit = { id: randomUUID(), kind: 'open' as const, messageId, linkIndex: null, url: null, method: 'GET' as const, userAgent: IPHONE_MAIL, ip: '198.51.100.7', at: Date.now() };
      const key = hitStreamKey(t.config);
      await redis.multi().xadd(key, '*', 'h', encodeHit(hit)).xadd(key, '*', 'h', encodeHit(hit)).exec();
      await eventually(async () => (await stored(t, messageId)).length === 1);
      await redis.xadd(key, '*', 'h', encodeHit(hit));
      await eventually(async () => (await redis.xlen(key)) === 0);
      const scored = () => t.db.query(`SELECT event_id, rule_id FROM score_ledger WHERE lead_id = $1`, [leadId]);
      await eventually(async () => (await scored()).length > 0);
      await eventually(async () => (await t.db.query(`SELECT 1 FROM scoring_queue WHERE lead_id = $1`, [leadId])).length === 0);
      expect(await stored(t, messageId)).toHaveLength(1);
      expect(await t.db.query(`SELECT id FROM events WHERE lead_id = $1`, [leadId])).toEqual([{ id: hit.id }]);
      expect(await scored()).toEqual([{ event_id: hit.id, rule_id: 'email-opened' }]);
    });

    it('opens scored in a later scoring run still count against the cap of those scored before (3 a week)', async () => {
      const { leadId, messageId } = await sentMessage(t);
      const key = hitStreamKey(t.config);
      const open = () => ({ id: randomUUID(), kind: 'open' as const, messageId, linkIndex: null, url: null, method: 'GET' as const, userAgent: IPHONE_MAIL, ip: null, at: Date.now() });
      const ledger = async () => (await t.db.query(`SELECT count(*)::int AS n FROM score_ledger WHERE lead_id = $1`, [leadId]))[0].n as number;
      const scored = (events: number) =>
        eventually(async () => {
          const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events e WHERE e.lead_id = $1 AND NOT EXISTS (SELECT 1 FROM scoring_queue q WHERE q.event_id = e.id)`, [leadId]);
          return n === events;
        });
      await redis.multi().xadd(key, '*', 'h', encodeHit(open())).xadd(key, '*', 'h', encodeHit(open())).exec();
      await scored(2);
      expect(await ledger()).toBe(2);
      await redis.multi().xadd(key, '*', 'h', encodeHit(open())).xadd(key, '*', 'h', encodeHit(open())).exec();
      await scored(4);
      expect(await ledger()).toBe(3); // the third open; the fourth is over the cap
    });

    it('a hit PostgreSQL refuses is dropped without holding up the hits around it', async () => {
      const { messageId } = await sentMessage(t);
      const hit = (userAgent: string) => ({ id: randomUUID(), kind: 'open' as const, messageId, linkIndex: null, url: null, method: 'GET' as const, userAgent, ip: null, at: Date.now() });
      const key = hitStreamKey(t.config);
      await redis
        .multi()
        .xadd(key, '*', 'h', encodeHit(hit(IPHONE_MAIL)))
        .xadd(key, '*', 'h', encodeHit(hit('NUL\u0000 in a user agent')))
        .xadd(key, '*', 'h', encodeHit(hit(IPHONE_MAIL)))
        .xadd(key, '*', 'h', 'not a hit at all')
        .exec();
      await eventually(async () => (await redis.xlen(key)) === 0);
      expect(await stored(t, messageId)).toHaveLength(2);
    });
  });

  it('a worker that read only a few hits waits briefly for more and stores them together, within the linger time', async () => {
    const database = await TestDatabase.create();
    const queuePrefix = `t${randomBytes(4).toString('hex')}`;
    const env = { TRACKING_DRAIN_CONCURRENCY: '1', TRACKING_DRAIN_MIN_BATCH: '100', TRACKING_DRAIN_LINGER_MS: '1000' };
    const worker = await startTestApp({ role: 'worker', database, queuePrefix, env });
    try {
      const { messageId } = await sentMessage(worker);
      const key = hitStreamKey(worker.config);
      const hit = () => ({ id: randomUUID(), kind: 'open' as const, messageId, linkIndex: null, url: null, method: 'GET' as const, userAgent: IPHONE_MAIL, ip: null, at: Date.now() });
      const add = (n: number) => Array.from({ length: n }, () => hit()).reduce((m, h) => m.xadd(key, '*', 'h', encodeHit(h)), redis.multi()).exec();
      const started = Date.now();
      await add(5);
      await new Promise((r) => setTimeout(r, 100));
      await add(5);
      await eventually(async () => (await stored(worker, messageId)).length === 10);
      const waited = Date.now() - started;
      const [{ transactions }] = await worker.db.query(`SELECT count(DISTINCT xmin::text)::int AS transactions FROM email_interactions WHERE message_id = $1`, [messageId]);
      expect(transactions).toBe(1); // both groups in one transaction
      expect(waited).toBeGreaterThanOrEqual(900); // it lingered for the oldest hit's linger time, not the first read
      expect(waited).toBeLessThan(10_000);
    } finally {
      await worker.close();
      await database.drop();
    }
  });

  it('when Redis does not answer, the API still answers and writes the hit to PostgreSQL itself', async () => {
    const t = await startTestApp({ role: 'api', env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const { messageId } = await sentMessage(t);
      const res = await t.http().get(`/t/o/${signToken(t.config.trackingSecret, { k: 'o', m: messageId })}`).set('user-agent', IPHONE_MAIL);
      expect(res.status).toBe(200);
      expect(await stored(t, messageId)).toEqual([{ machine: false, reason: 'human' }]);
    } finally {
      await t.close();
    }
  });
});
