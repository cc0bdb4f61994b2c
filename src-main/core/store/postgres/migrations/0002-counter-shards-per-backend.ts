// PostgreSQL shared schema, version 2: counters sharded per backend (compact_counts), claims walk jobs_ready in order.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0002 = Object.freeze({
  version: 2,
  name: 'counter shards per backend; claims walk jobs_ready in order',
  sql: `
      -- Counters were sharded by pg_backend_pid() % 16: transactions of different backends shared
      -- counter rows, waited for each other on them and could deadlock (two claims taking several
      -- types' rows in different orders, a rescue against a claim, a claim and a finish in one
      -- transaction). Now each backend has its own rows: a backend runs one transaction at a time,
      -- so no transaction ever waits for another on a counter. Rows of backends that ended are
      -- folded into shard 0 by compact_counts() (runners call it with their rescue pass); readers
      -- sum the shards as before.
      -- plpgsql, not sql: a sql function is planned again on every call from a trigger (0.1–0.2 ms
      -- each, four calls per job); plpgsql keeps its plans for the session.
      CREATE OR REPLACE FUNCTION jobdeck.count_job(p_type text, p_status text, p_delta int) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO jobdeck.job_counts AS c (type, status, shard, n) VALUES (p_type, p_status, pg_backend_pid(), p_delta)
        ON CONFLICT (type, status, shard) DO UPDATE SET n = c.n + excluded.n;
      END $$;
      CREATE OR REPLACE FUNCTION jobdeck.runs_counted() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE d bigint := greatest(0, coalesce(NEW.finished_at, NEW.started_at) - NEW.started_at);
      BEGIN
        IF OLD.status = 'running' AND NEW.status <> 'running' THEN
          INSERT INTO jobdeck.type_stats AS s (type, shard, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration)
          VALUES (NEW.type, pg_backend_pid(), 1, (NEW.status = 'succeeded')::int, (NEW.status = 'partial')::int,
            (NEW.status = 'failed')::int, (NEW.status = 'canceled')::int, (NEW.status = 'interrupted')::int, d, d)
          ON CONFLICT (type, shard) DO UPDATE SET runs = s.runs + 1, succeeded = s.succeeded + excluded.succeeded,
            partial = s.partial + excluded.partial, failed = s.failed + excluded.failed, canceled = s.canceled + excluded.canceled,
            interrupted = s.interrupted + excluded.interrupted, duration_sum = s.duration_sum + excluded.duration_sum,
            max_duration = greatest(s.max_duration, excluded.max_duration);
        END IF;
        RETURN NULL;
      END $$;
      CREATE FUNCTION jobdeck.compact_counts() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- One compactor at a time; the others skip (the next pass catches up).
        IF NOT pg_try_advisory_xact_lock(hashtextextended('jobdeck.compact_counts', 0)) THEN RETURN; END IF;
        WITH gone AS (
          DELETE FROM jobdeck.job_counts c
          WHERE shard <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.shard)
          RETURNING type, status, n
        )
        INSERT INTO jobdeck.job_counts AS t (type, status, shard, n)
        SELECT type, status, 0, sum(n) FROM gone GROUP BY type, status ORDER BY type, status
        ON CONFLICT (type, status, shard) DO UPDATE SET n = t.n + excluded.n;
        WITH gone AS (
          DELETE FROM jobdeck.type_stats s
          WHERE shard <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = s.shard)
          RETURNING *
        )
        INSERT INTO jobdeck.type_stats AS t (type, shard, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration)
        SELECT type, 0, sum(runs), sum(succeeded), sum(partial), sum(failed), sum(canceled), sum(interrupted), sum(duration_sum),
          max(max_duration)
        FROM gone GROUP BY type ORDER BY type
        ON CONFLICT (type, shard) DO UPDATE SET runs = t.runs + excluded.runs, succeeded = t.succeeded + excluded.succeeded,
          partial = t.partial + excluded.partial, failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
          interrupted = t.interrupted + excluded.interrupted, duration_sum = t.duration_sum + excluded.duration_sum,
          max_duration = greatest(t.max_duration, excluded.max_duration);
      END $$;
      -- Walk jobs_ready in its order, always. Without statistics (a new database, a backlog
      -- enqueued since the last analyze) the planner thinks few jobs wait and sorts all of them
      -- on every claim instead: 6 ms per claim at 5 000 queued, growing with the backlog.
      ALTER FUNCTION jobdeck.claim(text, bigint, int, text[], jsonb, jsonb, bigint, text[]) SET enable_sort = off;
    `,
})
