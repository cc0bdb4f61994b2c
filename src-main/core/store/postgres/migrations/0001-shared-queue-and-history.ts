// PostgreSQL shared schema, version 1: the shared queue, history, sharded counters, claim, finish and rescue.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0001 = Object.freeze({
  version: 1,
  name: 'shared queue and history',
  sql: `
      CREATE TABLE jobdeck.meta (key text PRIMARY KEY, value text NOT NULL);
      INSERT INTO jobdeck.meta (key, value) VALUES ('paused', '0');

      CREATE TABLE jobdeck.jobs (
        id text PRIMARY KEY,
        type text NOT NULL,
        params text NOT NULL,
        priority int NOT NULL,
        lane text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued','running','retrying','succeeded','partial','failed','canceled')),
        ord double precision NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        failures int NOT NULL DEFAULT 0,
        interruptions int NOT NULL DEFAULT 0,
        created_at bigint NOT NULL,
        queued_at bigint NOT NULL,
        run_after bigint,
        finished_at bigint,
        last_run_id text,
        cancel_requested int NOT NULL DEFAULT 0,
        error text,
        tx xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX jobs_ready ON jobdeck.jobs (priority DESC, ord) WHERE status IN ('queued','retrying');
      CREATE INDEX jobs_tx ON jobdeck.jobs (tx, id);
      CREATE INDEX jobs_finished ON jobdeck.jobs (finished_at) WHERE finished_at IS NOT NULL;

      CREATE TABLE jobdeck.runs (
        id text PRIMARY KEY,
        job_id text NOT NULL REFERENCES jobdeck.jobs (id) ON DELETE CASCADE,
        type text NOT NULL,
        lane text NOT NULL,
        params text NOT NULL,
        attempt int NOT NULL,
        status text NOT NULL CHECK (status IN ('running','succeeded','partial','failed','canceled','interrupted')),
        queued_at bigint NOT NULL,
        started_at bigint NOT NULL,
        finished_at bigint,
        exit_code int,
        signal text,
        error text,
        progress_percent double precision,
        progress_current double precision,
        progress_total double precision,
        progress_message text,
        items_ok int,
        items_failed int,
        runner_id text NOT NULL,
        pid int,
        pid_start text,
        log_bytes bigint NOT NULL DEFAULT 0,
        log_truncated int NOT NULL DEFAULT 0,
        peak_rss_bytes bigint,
        cpu_seconds double precision,
        -- The runner owns the run until then (database clock); a heartbeat renews it.
        lease_until bigint,
        tx xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX runs_job ON jobdeck.runs (job_id, attempt);
      CREATE INDEX runs_running ON jobdeck.runs (lane) WHERE status = 'running';
      CREATE INDEX runs_lease ON jobdeck.runs (lease_until) WHERE status = 'running';
      CREATE INDEX runs_tx ON jobdeck.runs (tx, id);
      CREATE INDEX runs_started ON jobdeck.runs (started_at DESC, id DESC);

      CREATE TABLE jobdeck.run_logs (
        id bigserial PRIMARY KEY,
        run_id text NOT NULL REFERENCES jobdeck.runs (id) ON DELETE CASCADE,
        stream text NOT NULL,
        at bigint NOT NULL,
        text text NOT NULL
      );
      CREATE INDEX run_logs_run ON jobdeck.run_logs (run_id, id);

      CREATE TABLE jobdeck.runners (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid int NOT NULL,
        started_at bigint NOT NULL,
        heartbeat_at bigint NOT NULL
      );

      -- "Delete finished jobs before T", replayed by every instance's cache.
      CREATE TABLE jobdeck.clears (
        id bigserial PRIMARY KEY,
        before bigint NOT NULL,
        at bigint NOT NULL,
        tx xid8 NOT NULL DEFAULT pg_current_xact_id()
      );

      -- Counters per type and status, sharded by backend so concurrent runners never queue on
      -- one hot row; readers sum the shards.
      CREATE TABLE jobdeck.job_counts (
        type text NOT NULL,
        status text NOT NULL,
        shard int NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (type, status, shard)
      );
      CREATE FUNCTION jobdeck.count_job(p_type text, p_status text, p_delta int) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO jobdeck.job_counts (type, status, shard, n) VALUES (p_type, p_status, pg_backend_pid() % 16, p_delta)
        ON CONFLICT (type, status, shard) DO UPDATE SET n = jobdeck.job_counts.n + excluded.n
      $$;
      CREATE FUNCTION jobdeck.jobs_counted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM jobdeck.count_job(NEW.type, NEW.status, 1);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM jobdeck.count_job(OLD.type, OLD.status, -1);
        ELSIF OLD.status <> NEW.status THEN
          PERFORM jobdeck.count_job(OLD.type, OLD.status, -1);
          PERFORM jobdeck.count_job(NEW.type, NEW.status, 1);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER jobs_counted AFTER INSERT OR DELETE OR UPDATE OF status ON jobdeck.jobs
        FOR EACH ROW EXECUTE FUNCTION jobdeck.jobs_counted();

      -- Finished runs and their durations per type (sharded likewise).
      CREATE TABLE jobdeck.type_stats (
        type text NOT NULL,
        shard int NOT NULL,
        runs bigint NOT NULL DEFAULT 0,
        succeeded bigint NOT NULL DEFAULT 0,
        partial bigint NOT NULL DEFAULT 0,
        failed bigint NOT NULL DEFAULT 0,
        canceled bigint NOT NULL DEFAULT 0,
        interrupted bigint NOT NULL DEFAULT 0,
        duration_sum bigint NOT NULL DEFAULT 0,
        max_duration bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (type, shard)
      );
      CREATE FUNCTION jobdeck.runs_counted() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE d bigint := greatest(0, coalesce(NEW.finished_at, NEW.started_at) - NEW.started_at);
      BEGIN
        IF OLD.status = 'running' AND NEW.status <> 'running' THEN
          INSERT INTO jobdeck.type_stats AS s (type, shard, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration)
          VALUES (NEW.type, pg_backend_pid() % 16, 1, (NEW.status = 'succeeded')::int, (NEW.status = 'partial')::int,
            (NEW.status = 'failed')::int, (NEW.status = 'canceled')::int, (NEW.status = 'interrupted')::int, d, d)
          ON CONFLICT (type, shard) DO UPDATE SET runs = s.runs + 1, succeeded = s.succeeded + excluded.succeeded,
            partial = s.partial + excluded.partial, failed = s.failed + excluded.failed, canceled = s.canceled + excluded.canceled,
            interrupted = s.interrupted + excluded.interrupted, duration_sum = s.duration_sum + excluded.duration_sum,
            max_duration = greatest(s.max_duration, excluded.max_duration);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER runs_counted AFTER UPDATE OF status ON jobdeck.runs
        FOR EACH ROW EXECUTE FUNCTION jobdeck.runs_counted();

      -- Lane limit: the exact lane, else the first matching LIKE pattern (in config order), else 1.
      CREATE FUNCTION jobdeck.lane_limit(p_lane text, p_exact jsonb, p_patterns jsonb) RETURNS int
      LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(
          (p_exact ->> p_lane)::int,
          (SELECT (p ->> 1)::int FROM jsonb_array_elements(p_patterns) WITH ORDINALITY AS e (p, i)
            WHERE p_lane LIKE p ->> 0 ORDER BY i LIMIT 1),
          1)
      $$;

      -- Claims up to p_max eligible jobs: highest priority, then oldest; lane limits hold across
      -- every runner (a lane is counted under its advisory lock, so two runners never both see
      -- room for one slot); rows other runners are claiming are skipped, not waited for.
      CREATE FUNCTION jobdeck.claim(p_runner text, p_now bigint, p_max int, p_types text[], p_exact jsonb,
        p_patterns jsonb, p_lease_ms bigint, p_run_ids text[])
      RETURNS TABLE (job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_full text[];
        v_cand record;
        v_n int;
        v_claimed int := 0;
        v_job jobdeck.jobs;
        v_run jobdeck.runs;
      BEGIN
        -- Paused is shared: checked here, so no runner claims on a stale view of it.
        IF p_max <= 0 OR (SELECT value FROM jobdeck.meta WHERE key = 'paused') = '1' THEN RETURN; END IF;
        SELECT coalesce(array_agg(lane), '{}') INTO v_full FROM (
          SELECT lane, count(*) AS n FROM jobdeck.runs WHERE status = 'running' GROUP BY lane) busy
          WHERE n >= jobdeck.lane_limit(lane, p_exact, p_patterns);
        FOR v_cand IN
          SELECT * FROM jobdeck.jobs
          WHERE status IN ('queued','retrying') AND (run_after IS NULL OR run_after <= p_now)
            AND type = ANY (p_types) AND lane <> ALL (v_full)
          ORDER BY priority DESC, ord
          LIMIT p_max * 4
          FOR UPDATE SKIP LOCKED
        LOOP
          EXIT WHEN v_claimed >= p_max;
          CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtextextended('jobdeck.lane:' || v_cand.lane, 0));
          SELECT count(*) INTO v_n FROM jobdeck.runs WHERE lane = v_cand.lane AND status = 'running';
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

      -- Records a run's result only if this runner still owns it (fencing): a run rescued from a
      -- runner presumed dead is never finished a second time. Returns the job, or nothing.
      CREATE FUNCTION jobdeck.finish(p_run_id text, p_runner text, p_status text, p_now bigint, p_exit_code int,
        p_signal text, p_error text, p_percent double precision, p_current double precision, p_total double precision,
        p_message text, p_items_ok int, p_items_failed int, p_peak_rss bigint, p_cpu_seconds double precision,
        p_retry_delays bigint[], p_started_at bigint)
      RETURNS json LANGUAGE plpgsql AS $$
      DECLARE
        v_job_id text;
        v_failures int;
        v_delay bigint;
        v_job jobdeck.jobs;
      BEGIN
        UPDATE jobdeck.runs SET status = p_status, finished_at = p_now, exit_code = p_exit_code, signal = p_signal,
          error = p_error, progress_percent = p_percent, progress_current = p_current, progress_total = p_total,
          progress_message = p_message, items_ok = p_items_ok, items_failed = p_items_failed,
          peak_rss_bytes = p_peak_rss, cpu_seconds = p_cpu_seconds, lease_until = NULL, tx = pg_current_xact_id(),
          -- When the work really started (after the claim returned), not when the claim was asked for.
          started_at = coalesce(p_started_at, started_at)
        WHERE id = p_run_id AND status = 'running' AND runner_id = p_runner
        RETURNING job_id INTO v_job_id;
        IF v_job_id IS NULL THEN RETURN NULL; END IF;
        IF p_status = 'failed' THEN
          SELECT failures + 1 INTO v_failures FROM jobdeck.jobs WHERE id = v_job_id;
          v_delay := p_retry_delays[v_failures];
          IF v_delay IS NOT NULL THEN
            UPDATE jobdeck.jobs SET status = 'retrying', failures = v_failures, run_after = p_now + v_delay,
              queued_at = p_now + v_delay, error = p_error, cancel_requested = 0, tx = pg_current_xact_id()
            WHERE id = v_job_id RETURNING * INTO v_job;
          ELSE
            UPDATE jobdeck.jobs SET status = 'failed', finished_at = p_now, error = p_error, failures = v_failures,
              run_after = NULL, cancel_requested = 0, tx = pg_current_xact_id()
            WHERE id = v_job_id RETURNING * INTO v_job;
          END IF;
        ELSE
          UPDATE jobdeck.jobs SET status = p_status, finished_at = p_now,
            error = CASE p_status WHEN 'canceled' THEN coalesce(p_error, 'canceled by operator') WHEN 'partial' THEN p_error END,
            run_after = NULL, cancel_requested = 0, tx = pg_current_xact_id()
          WHERE id = v_job_id RETURNING * INTO v_job;
        END IF;
        PERFORM pg_notify('jobdeck', 'jobs');
        RETURN row_to_json(v_job);
      END $$;

      -- Runs whose lease expired: their runner is presumed dead. Each becomes interrupted and its
      -- job is re-queued in its old place, or failed when its type must not run twice
      -- (p_fail_types) or it was interrupted more than p_limit times.
      CREATE FUNCTION jobdeck.rescue(p_now bigint, p_fail_types text[], p_limit int)
      RETURNS TABLE (job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_run jobdeck.runs;
        v_job jobdeck.jobs;
        v_interruptions int;
      BEGIN
        FOR v_run IN
          SELECT * FROM jobdeck.runs WHERE status = 'running' AND lease_until < (extract(epoch FROM clock_timestamp()) * 1000)::bigint
          ORDER BY started_at FOR UPDATE SKIP LOCKED
        LOOP
          UPDATE jobdeck.runs SET status = 'interrupted', finished_at = p_now, lease_until = NULL,
            error = 'interrupted: runner ' || v_run.runner_id || ' stopped renewing its lease (presumed dead) during attempt ' || v_run.attempt,
            tx = pg_current_xact_id()
          WHERE id = v_run.id RETURNING * INTO v_run;
          SELECT interruptions + 1 INTO v_interruptions FROM jobdeck.jobs WHERE id = v_run.job_id FOR UPDATE;
          IF v_run.type = ANY (p_fail_types) THEN
            UPDATE jobdeck.jobs SET status = 'failed', finished_at = p_now, interruptions = v_interruptions,
              error = 'interrupted, and its type says onInterrupt: fail (it must not run twice); retry it by hand if that is safe',
              cancel_requested = 0, tx = pg_current_xact_id()
            WHERE id = v_run.job_id RETURNING * INTO v_job;
          ELSIF v_interruptions > p_limit THEN
            UPDATE jobdeck.jobs SET status = 'failed', finished_at = p_now, interruptions = v_interruptions,
              error = 'interrupted ' || v_interruptions || ' times (limit ' || p_limit || '); not re-queued again',
              cancel_requested = 0, tx = pg_current_xact_id()
            WHERE id = v_run.job_id RETURNING * INTO v_job;
          ELSE
            UPDATE jobdeck.jobs SET status = 'queued', queued_at = p_now, interruptions = v_interruptions,
              cancel_requested = 0, tx = pg_current_xact_id()
            WHERE id = v_run.job_id RETURNING * INTO v_job;
          END IF;
          job := row_to_json(v_job);
          run := row_to_json(v_run);
          RETURN NEXT;
        END LOOP;
        IF FOUND THEN PERFORM pg_notify('jobdeck', 'jobs'); END IF;
      END $$;
    `,
})
