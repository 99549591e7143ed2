-- The writes every ingested event needs, and nothing else: a floor for the ingest benchmark on this machine.
-- Run on the benchmark's database after `node dist/bench/run-all.js ingest` has left it (50,000 leads named
-- lead<i>@bench.example), e.g.:
--   pgbench -h 127.0.0.1 -U postgres -n -c 4 -j 2 -T 20 -f bench/floors/ingest-writes.pgbench.sql nurture_bench_ingest
-- Each transaction: 1,000 events of 1,000 leads. It locks the leads in id order, inserts the events and one
-- ledger row each (the reference-check triggers fire as in the service), and updates the leads' scores. tps × 1,000 = events/s.
-- For time-ordered ids, replace gen_random_uuid() by a UUID version 7 made in SQL (48 bits of clock_timestamp() in ms, then random bits).
\set start random(0, 48999)
BEGIN;
CREATE TEMP TABLE IF NOT EXISTS b (id uuid) ON COMMIT DELETE ROWS;
INSERT INTO b SELECT id FROM leads WHERE email_normalized = ANY (ARRAY(SELECT 'lead' || i || '@bench.example' FROM generate_series(:start, :start + 999) i)) ORDER BY id FOR NO KEY UPDATE;
WITH ev AS (
  INSERT INTO events (id, lead_id, type, occurred_at, properties, received_at)
  SELECT gen_random_uuid(), id, 'page_viewed', now(), '{"url":"https://example.be/blog/x"}', now() FROM b RETURNING id, lead_id
)
INSERT INTO score_ledger (lead_id, event_id, rule_id, model_version, description, points, occurred_at)
SELECT lead_id, id, 'page_viewed', 1, 'Page viewed', 1, now() FROM ev;
UPDATE leads l SET engagement_score = engagement_score + 1, engagement_as_of = now(), updated_at = now() FROM b WHERE l.id = b.id;
COMMIT;
