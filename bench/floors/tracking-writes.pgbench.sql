-- The writes every human open or click needs, and nothing else: a floor for the tracking benchmark on this machine.
-- Run on the benchmark's database after `node dist/bench/run-all.js tracking` has left it (50,000 sent messages
-- named bench:<i>, 5,000 leads), e.g. at most 5,000 hits/s (20 transactions of 250):
--   pgbench -h 127.0.0.1 -U postgres -n -c 2 -j 1 -T 20 -R 20 -f bench/floors/tracking-writes.pgbench.sql nurture_bench_tracking
-- or unthrottled (drop -R) for the most hits/s. Each transaction: 250 clicks on 250 messages of 250 leads. It reads
-- each hit's message (lead), inserts the interaction and the behaviour event (the reference-check triggers fire as in
-- the service), and scores it at once: locks the leads in id order, adds one ledger row each and updates their scores.
-- No scoring queue, no JSON batch, no classification reads: cheaper than any design that stores and scores every hit.
-- tps × 250 = hits/s.
\set start random(0, 49749)
BEGIN;
CREATE TEMP TABLE IF NOT EXISTS hb (id uuid, message_id uuid, lead_id uuid) ON COMMIT DELETE ROWS;
INSERT INTO hb
SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
        || '8' || substr(md5(random()::text), 1, 15))::uuid, m.id, m.lead_id
  FROM email_messages m
 WHERE m.idempotency_key = ANY (ARRAY(SELECT 'bench:' || i FROM generate_series(:start, :start + 249) i));
INSERT INTO email_interactions (id, message_id, lead_id, kind, link_index, url, machine, reason, user_agent, ip, occurred_at)
SELECT id, message_id, lead_id, 'click', 0, 'https://example.be/page0', false, 'human',
       'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', '127.0.0.1', now()
  FROM hb;
INSERT INTO events (id, lead_id, type, occurred_at, properties, machine, received_at)
SELECT id, lead_id, 'email_clicked', now(), jsonb_build_object('messageId', message_id, 'linkIndex', 0, 'url', 'https://example.be/page0'), false, now()
  FROM hb;
SELECT count(*) FROM (SELECT 1 FROM leads WHERE id IN (SELECT lead_id FROM hb) ORDER BY id FOR NO KEY UPDATE) locked;
INSERT INTO score_ledger (lead_id, event_id, rule_id, model_version, description, points, occurred_at)
SELECT lead_id, id, 'email_clicked', 1, 'Email clicked', 3, now() FROM hb;
UPDATE leads l SET engagement_score = engagement_score + 3, engagement_as_of = now(), updated_at = now()
  FROM hb WHERE l.id = hb.lead_id;
COMMIT;
