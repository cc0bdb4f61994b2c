// PostgreSQL shared schema, version 3: finish_and_claim in one statement; claims wait for their lanes.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0003 = Object.freeze({
  version: 3,
  name: 'finish and claim the next runs in one statement; claims wait for their lanes',
  sql: `
      -- claim() may count one run of this runner as already done (p_finishing): the run that
      -- finish_and_claim() finishes in the same transaction.
      DROP FUNCTION jobdeck.claim(text, bigint, int, text[], jsonb, jsonb, bigint, text[]);
      
      CREATE FUNCTION jobdeck.claim(p_runner text, p_now bigint, p_max int, p_types text[], p_exact jsonb,
        p_patterns jsonb, p_lease_ms bigint, p_run_ids text[], p_finishing text DEFAULT NULL)
      -- enable_sort = off: see version 2.
      RETURNS TABLE (job json, run json) LANGUAGE plpgsql SET enable_sort = off AS $$
      DECLARE
        v_full text[];
        v_cands jobdeck.jobs[];
        v_cand jobdeck.jobs;
        v_lanes bigint[];
        v_lane bigint;
        v_n int;
        v_claimed int := 0;
        v_job jobdeck.jobs;
        v_run jobdeck.runs;
      BEGIN
        IF p_max <= 0 OR (SELECT value FROM jobdeck.meta WHERE key = 'paused') = '1' THEN RETURN; END IF;
        SELECT coalesce(array_agg(lane), '{}') INTO v_full FROM (
          SELECT lane, count(*) AS n FROM jobdeck.runs
          WHERE status = 'running' AND (p_finishing IS NULL OR id <> p_finishing OR runner_id <> p_runner) GROUP BY lane) busy
          WHERE n >= jobdeck.lane_limit(lane, p_exact, p_patterns);
        SELECT coalesce(array_agg(j ORDER BY j.priority DESC, j.ord), '{}'),
          coalesce(array_agg(DISTINCT hashtextextended('jobdeck.lane:' || j.lane, 0)), '{}')
        INTO v_cands, v_lanes FROM (
          SELECT * FROM jobdeck.jobs
          WHERE status IN ('queued','retrying') AND (run_after IS NULL OR run_after <= p_now)
            AND type = ANY (p_types) AND lane <> ALL (v_full)
          ORDER BY priority DESC, ord
          LIMIT p_max * 4
          FOR UPDATE SKIP LOCKED) j;
        -- A lane is counted under its advisory lock. Waiting for it (instead of skipping the lane
        -- when another claim holds it, as version 1 did) lets concurrent claims in one lane all
        -- succeed one after the other; taking the lanes in one global order (array_agg DISTINCT
        -- sorts them), before anything else that waits, keeps that deadlock-free.
        FOREACH v_lane IN ARRAY v_lanes LOOP
          PERFORM pg_advisory_xact_lock(v_lane);
        END LOOP;
        FOREACH v_cand IN ARRAY v_cands
        LOOP
          EXIT WHEN v_claimed >= p_max;
          -- A fresh snapshot: it sees the runs of claims that held the lane before us.
          SELECT count(*) INTO v_n FROM jobdeck.runs
          WHERE lane = v_cand.lane AND status = 'running' AND (p_finishing IS NULL OR id <> p_finishing OR runner_id <> p_runner);
          CONTINUE WHEN v_n >= jobdeck.lane_limit(v_cand.lane, p_exact, p_patterns);
          v_claimed := v_claimed + 1;
          INSERT INTO jobdeck.runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, lease_until)
          VALUES (p_run_ids[v_claimed], v_cand.id, v_cand.type, v_cand.lane, v_cand.params, v_cand.attempts + 1, 'running',
            v_cand.queued_at, p_now, p_runner, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + p_lease_ms)
          RETURNING * INTO v_run;
          UPDATE jobdeck.jobs SET status = 'running', attempts = attempts + 1, last_run_id = v_run.id, run_after = NULL,
            error = NULL, tx = pg_current_xact_id()
          WHERE id = v_cand.id RETURNING * INTO v_job;
          job := row_to_json(v_job);
          run := row_to_json(v_run);
          RETURN NEXT;
        END LOOP;
      END $$;


      -- A runner's hot path in one round trip and one commit: records a result (fenced, as
      -- finish() does) and claims up to p_max next runs (as claim() does). The claims come first,
      -- counting the finishing run as done (it is this runner's and still running, so the fenced
      -- finish below ends it in this same transaction), so their lane locks are still taken before
      -- anything else that waits, as in a plain claim. Rows: the claimed pairs (finished NULL),
      -- then one row whose finished is the job (NULL when fenced).
      CREATE FUNCTION jobdeck.finish_and_claim(p_run_id text, p_runner text, p_status text, p_now bigint, p_exit_code int,
        p_signal text, p_error text, p_percent double precision, p_current double precision, p_total double precision,
        p_message text, p_items_ok int, p_items_failed int, p_peak_rss bigint, p_cpu_seconds double precision,
        p_retry_delays bigint[], p_started_at bigint,
        p_max int, p_types text[], p_exact jsonb, p_patterns jsonb, p_lease_ms bigint, p_run_ids text[])
      RETURNS TABLE (finished json, job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_pair record;
      BEGIN
        finished := NULL;
        FOR v_pair IN SELECT c.job, c.run FROM jobdeck.claim(p_runner, p_now, p_max, p_types, p_exact, p_patterns,
          p_lease_ms, p_run_ids, p_run_id) c
        LOOP
          job := v_pair.job;
          run := v_pair.run;
          RETURN NEXT;
        END LOOP;
        finished := jobdeck.finish(p_run_id, p_runner, p_status, p_now, p_exit_code, p_signal, p_error, p_percent,
          p_current, p_total, p_message, p_items_ok, p_items_failed, p_peak_rss, p_cpu_seconds, p_retry_delays, p_started_at);
        job := NULL;
        run := NULL;
        RETURN NEXT;
      END $$;
    `,
})
