// PostgreSQL shared schema, version 4: finish_and_claim takes every result ready (JSON), runs_started dropped.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0004 = Object.freeze({
  version: 4,
  name: 'results pushed in batches with the claim of the slots they free',
  sql: `
      -- History is read from each instance's cache, never from here: nothing uses runs_started,
      -- and every claim and finish paid for it.
      DROP INDEX jobdeck.runs_started;

      -- claim() counting several runs of this runner as already done (p_finishing): the results
      -- finish_and_claim() records in the same transaction.
      DROP FUNCTION jobdeck.finish_and_claim(text, text, text, bigint, int, text, text, double precision, double precision,
        double precision, text, int, int, bigint, double precision, bigint[], bigint, int, text[], jsonb, jsonb, bigint, text[]);
      DROP FUNCTION jobdeck.claim(text, bigint, int, text[], jsonb, jsonb, bigint, text[], text);
      
      CREATE FUNCTION jobdeck.claim(p_runner text, p_now bigint, p_max int, p_types text[], p_exact jsonb,
        p_patterns jsonb, p_lease_ms bigint, p_run_ids text[], p_finishing text[] DEFAULT '{}')
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
          WHERE status = 'running' AND (runner_id <> p_runner OR id <> ALL (p_finishing)) GROUP BY lane) busy
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
          WHERE lane = v_cand.lane AND status = 'running' AND (runner_id <> p_runner OR id <> ALL (p_finishing));
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


      -- A runner's hot path: every result it has ready (p_finishes, a JSON array of finish()'s
      -- arguments by name) recorded fenced, and up to p_max next runs claimed, in one round trip
      -- and one commit. Claims come first, counting the finishing runs as done, as in version 3.
      -- Rows: the claimed pairs (finished_run NULL), then one row per result: its run id and the
      -- job (finished NULL when fenced).
      CREATE FUNCTION jobdeck.finish_and_claim(p_finishes jsonb, p_runner text, p_now bigint,
        p_max int, p_types text[], p_exact jsonb, p_patterns jsonb, p_lease_ms bigint, p_run_ids text[])
      RETURNS TABLE (finished_run text, finished json, job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_pair record;
        v_f jsonb;
      BEGIN
        finished_run := NULL;
        finished := NULL;
        FOR v_pair IN SELECT c.job, c.run FROM jobdeck.claim(p_runner, p_now, p_max, p_types, p_exact, p_patterns,
          p_lease_ms, p_run_ids, ARRAY(SELECT f ->> 'runId' FROM jsonb_array_elements(p_finishes) f)) c
        LOOP
          job := v_pair.job;
          run := v_pair.run;
          RETURN NEXT;
        END LOOP;
        job := NULL;
        run := NULL;
        FOR v_f IN SELECT f FROM jsonb_array_elements(p_finishes) f
        LOOP
          finished_run := v_f ->> 'runId';
          finished := jobdeck.finish(finished_run, p_runner, v_f ->> 'status', (v_f ->> 'now')::bigint,
            (v_f ->> 'exitCode')::int, v_f ->> 'signal', v_f ->> 'error', (v_f ->> 'percent')::double precision,
            (v_f ->> 'current')::double precision, (v_f ->> 'total')::double precision, v_f ->> 'message',
            (v_f ->> 'itemsOk')::int, (v_f ->> 'itemsFailed')::int, (v_f ->> 'peakRss')::bigint,
            (v_f ->> 'cpuSeconds')::double precision,
            ARRAY(SELECT d::bigint FROM jsonb_array_elements_text(v_f -> 'retryDelays') WITH ORDINALITY e (d, i) ORDER BY i),
            (v_f ->> 'startedAt')::bigint);
          RETURN NEXT;
        END LOOP;
      END $$;
    `,
})
