// PostgreSQL shared schema, version 10: lane rates and "Start now". A claim counts a rated lane's
// starts in its sliding window under the lane's advisory lock, so `rate: 10/m` holds across every
// runner; a job asked to "Start now" is claimed past the resource gate once, and its run says so.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0010 = Object.freeze({
  version: 10,
  name: 'lane rates and start now',
  sql: `
      ALTER TABLE jobdeck.jobs ADD COLUMN start_now int NOT NULL DEFAULT 0;
      ALTER TABLE jobdeck.runs ADD COLUMN gate_bypassed int NOT NULL DEFAULT 0;

      -- The runs of rated lanes, by lane and claim time: only they are counted, so lanes without
      -- a rate pay nothing, and runs keeps no index by start (version 4 dropped it for the claim's
      -- sake). A start is counted at the run's own started_at (the work's start once the runner
      -- recorded it, never earlier than the claim): so the window holds for the starts History shows.
      -- lane_starts_left() drops a lane's rows once they are past its window.
      CREATE TABLE jobdeck.lane_starts (
        run_id text PRIMARY KEY,
        lane text NOT NULL,
        claimed_at bigint NOT NULL
      );
      CREATE INDEX lane_starts_lane ON jobdeck.lane_starts (lane, claimed_at);

      -- [limit, window ms] of the lane's rate: the exact lane's entry, else the first pattern (in
      -- the order given) the lane is LIKE, as lane_limit() finds limits; NULL without a rate
      -- (an entry of limit 0 is a lane whose settings have none).
      CREATE FUNCTION jobdeck.lane_rate(p_lane text, p_rates jsonb) RETURNS bigint[]
      LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        v_rate jsonb;
        v_pattern jsonb;
      BEGIN
        IF p_rates IS NULL THEN RETURN NULL; END IF;
        v_rate := p_rates -> 'exact' -> p_lane;
        IF v_rate IS NULL THEN
          FOR v_pattern IN SELECT e.p FROM jsonb_array_elements(p_rates -> 'patterns') WITH ORDINALITY AS e (p, i) ORDER BY e.i LOOP
            IF p_lane LIKE v_pattern ->> 0 THEN
              v_rate := v_pattern -> 1;
              EXIT;
            END IF;
          END LOOP;
        END IF;
        IF v_rate IS NULL OR (v_rate ->> 0)::bigint <= 0 THEN RETURN NULL; END IF;
        RETURN ARRAY[(v_rate ->> 0)::bigint, (v_rate ->> 1)::bigint];
      END $$;

      -- How many starts the lane may still make at p_now under its rate (p_rate: lane_rate()'s
      -- answer). A start at t counts while started_at > t - window. A run's started_at is never
      -- before its claim: a run claimed in the window counts as it is (an index-only count, of at
      -- most the limit), and one claimed up to 5 s before it counts if it started in it (a start
      -- recorded later than that counts from its claim). Older rows are dropped as the lane is claimed.
      CREATE FUNCTION jobdeck.lane_starts_left(p_lane text, p_rate bigint[], p_now bigint) RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE
        v_since bigint := p_now - p_rate[2];
        v_n bigint;
      BEGIN
        DELETE FROM jobdeck.lane_starts WHERE lane = p_lane AND claimed_at <= v_since - 5000;
        SELECT count(*) INTO v_n FROM (
          SELECT 1 FROM jobdeck.lane_starts WHERE lane = p_lane AND claimed_at > v_since LIMIT p_rate[1]) recent;
        IF v_n < p_rate[1] THEN
          SELECT v_n + count(*) INTO v_n FROM jobdeck.lane_starts s JOIN jobdeck.runs r ON r.id = s.run_id
          WHERE s.lane = p_lane AND s.claimed_at > v_since - 5000 AND s.claimed_at <= v_since AND r.started_at > v_since;
        END IF;
        RETURN greatest(0, p_rate[1] - v_n);
      END $$;

      DROP FUNCTION jobdeck.finish_and_claim(jsonb, text, bigint, int, text[], jsonb, jsonb, bigint, text[]);
      DROP FUNCTION jobdeck.claim(text, bigint, int, text[], jsonb, jsonb, bigint, text[], text[]);

      -- As version 4's claim, and: p_gated, types the runner's gate holds, whose jobs are claimed
      -- only when asked to "Start now" (the flag is spent by the claim, the run records the
      -- bypass); p_rates, lane rates as lane_rate() reads them, counted per lane under the lane's
      -- advisory lock, so concurrent claims of every runner see each other's starts.
      CREATE FUNCTION jobdeck.claim(p_runner text, p_now bigint, p_max int, p_types text[], p_exact jsonb,
        p_patterns jsonb, p_lease_ms bigint, p_run_ids text[], p_finishing text[] DEFAULT '{}',
        p_gated text[] DEFAULT '{}', p_rates jsonb DEFAULT NULL)
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
        v_rate bigint[];
        v_left jsonb := '{}';
        v_lane_left bigint;
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
            AND (type = ANY (p_types) OR (start_now = 1 AND type = ANY (p_gated))) AND lane <> ALL (v_full)
          ORDER BY priority DESC, ord
          LIMIT p_max * 4
          FOR UPDATE SKIP LOCKED) j;
        -- Lanes in one global order before anything else that waits: see version 3.
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
          v_rate := jobdeck.lane_rate(v_cand.lane, p_rates);
          IF v_rate IS NOT NULL THEN
            -- Counted once per lane and claim, then spent by this claim's own starts.
            v_lane_left := (v_left ->> v_cand.lane)::bigint;
            IF v_lane_left IS NULL THEN v_lane_left := jobdeck.lane_starts_left(v_cand.lane, v_rate, p_now); END IF;
            CONTINUE WHEN v_lane_left <= 0;
            v_left := v_left || jsonb_build_object(v_cand.lane, v_lane_left - 1);
          END IF;
          v_claimed := v_claimed + 1;
          INSERT INTO jobdeck.runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, lease_until, gate_bypassed)
          VALUES (p_run_ids[v_claimed], v_cand.id, v_cand.type, v_cand.lane, v_cand.params, v_cand.attempts + 1, 'running',
            v_cand.queued_at, p_now, p_runner, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + p_lease_ms,
            CASE WHEN v_cand.type = ANY (p_types) THEN 0 ELSE 1 END)
          RETURNING * INTO v_run;
          IF v_rate IS NOT NULL THEN
            INSERT INTO jobdeck.lane_starts (run_id, lane, claimed_at) VALUES (v_run.id, v_run.lane, p_now);
          END IF;
          UPDATE jobdeck.jobs SET status = 'running', attempts = attempts + 1, last_run_id = v_run.id, run_after = NULL,
            error = NULL, start_now = 0, tx = pg_current_xact_id()
          WHERE id = v_cand.id RETURNING * INTO v_job;
          job := row_to_json(v_job);
          run := row_to_json(v_run);
          RETURN NEXT;
        END LOOP;
      END $$;

      -- As version 6's, passing p_gated and p_rates on to claim().
      CREATE FUNCTION jobdeck.finish_and_claim(p_finishes jsonb, p_runner text, p_now bigint,
        p_max int, p_types text[], p_exact jsonb, p_patterns jsonb, p_lease_ms bigint, p_run_ids text[],
        p_gated text[] DEFAULT '{}', p_rates jsonb DEFAULT NULL)
      RETURNS TABLE (finished_run text, finished json, job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_row record;
        v_any boolean := false;
      BEGIN
        RETURN QUERY SELECT NULL::text, NULL::json, c.job, c.run FROM jobdeck.claim(p_runner, p_now, p_max, p_types,
          p_exact, p_patterns, p_lease_ms, p_run_ids, ARRAY(SELECT f ->> 'runId' FROM jsonb_array_elements(p_finishes) f),
          p_gated, p_rates) c;
        FOR v_row IN
          WITH f AS (
            SELECT e.ord, x.* FROM jsonb_array_elements(p_finishes) WITH ORDINALITY AS e (v, ord),
              jsonb_to_record(e.v) AS x ("runId" text, status text, now bigint, "exitCode" int, signal text, error text,
                percent double precision, "current" double precision, total double precision, message text,
                "itemsOk" int, "itemsFailed" int, "peakRss" bigint, "cpuSeconds" double precision, "startedAt" bigint,
                "processesStopped" int, "jobStatus" text, failures int, "runAfter" bigint, "finishedAt" bigint, "jobError" text)
          ), ran AS (
            UPDATE jobdeck.runs r SET status = f.status, finished_at = f.now, exit_code = f."exitCode", signal = f.signal,
              error = f.error, progress_percent = f.percent, progress_current = f."current", progress_total = f.total,
              progress_message = f.message, items_ok = f."itemsOk", items_failed = f."itemsFailed",
              peak_rss_bytes = f."peakRss", cpu_seconds = f."cpuSeconds", processes_stopped = coalesce(f."processesStopped", 0),
              lease_until = NULL, tx = pg_current_xact_id(), started_at = coalesce(f."startedAt", r.started_at)
            FROM f WHERE r.id = f."runId" AND r.status = 'running' AND r.runner_id = p_runner
            RETURNING r.id, r.job_id
          ), done AS (
            UPDATE jobdeck.jobs j SET status = f."jobStatus", failures = f.failures, run_after = f."runAfter",
              queued_at = coalesce(f."runAfter", j.queued_at), finished_at = coalesce(f."finishedAt", j.finished_at),
              error = f."jobError", cancel_requested = 0, tx = pg_current_xact_id()
            FROM ran JOIN f ON f."runId" = ran.id WHERE j.id = ran.job_id
            RETURNING ran.id AS run_id, row_to_json(j) AS job
          )
          SELECT f."runId" AS run_id, done.job FROM f LEFT JOIN done ON done.run_id = f."runId" ORDER BY f.ord
        LOOP
          finished_run := v_row.run_id;
          finished := v_row.job;
          job := NULL;
          run := NULL;
          v_any := v_any OR v_row.job IS NOT NULL;
          RETURN NEXT;
        END LOOP;
        IF v_any THEN PERFORM pg_notify('jobdeck', 'jobs'); END IF;
      END $$;
    `,
})
