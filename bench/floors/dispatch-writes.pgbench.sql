-- The writes every dispatched step needs, and nothing else: a floor for the scheduler's dispatch benchmark.
-- On the benchmark's database after `node dist/bench/run-all.js scheduler` has left it (100,000 active
-- enrollments), make them all due, then drain them with 4 clients × 50 transactions of 500:
--   psql -h 127.0.0.1 -U postgres nurture_bench_scheduler -c "UPDATE enrollments SET next_run_at = now() - interval '1 s' WHERE status = 'active'" -c "VACUUM ANALYZE enrollments" -c CHECKPOINT
--   pgbench -h 127.0.0.1 -U postgres -n -c 4 -j 2 -t 50 -f bench/floors/dispatch-writes.pgbench.sql nurture_bench_scheduler
-- Each transaction claims 500 due enrollments (SKIP LOCKED, as the workers do, without reading leads or
-- suppressions), records a step run for each (unique per enrollment, step and visit; its reference check
-- fires as in the service), and moves each enrollment on (new state, next due time). The run's wall time is
-- the time to drain 100,000, with both cores for PostgreSQL alone.
BEGIN;
CREATE TEMP TABLE IF NOT EXISTS d (id uuid, step text, visit int) ON COMMIT DELETE ROWS;
INSERT INTO d SELECT id, current_step_id, step_visit FROM enrollments
 WHERE status = 'active' AND next_run_at <= now() ORDER BY next_run_at LIMIT 500 FOR UPDATE SKIP LOCKED;
INSERT INTO step_runs (enrollment_id, step_id, visit, outcome, detail, ran_at)
SELECT id, step, visit + 1000, 'sent', '{}', now() FROM d ON CONFLICT (enrollment_id, step_id, visit) DO NOTHING;
UPDATE enrollments e SET current_step_id = 'floor', step_visit = d.visit + 1, visits = e.visits || '{"floor": 1}',
       next_run_at = now() + interval '1 day', updated_at = now()
  FROM d WHERE e.id = d.id;
COMMIT;
