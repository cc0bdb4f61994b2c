// PostgreSQL shared schema, version 5: runs.processes_stopped; a rescue takes only the runs it is given.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0005 = Object.freeze({
  version: 5,
  name: 'processes a run left behind; a rescue takes only the runs it was given',
  sql: `
      -- How many processes Jobdeck stopped as a run ended (see the SQLite cache's version 5).
      ALTER TABLE jobdeck.runs ADD COLUMN processes_stopped int NOT NULL DEFAULT 0;

      DROP FUNCTION jobdeck.finish_and_claim(jsonb, text, bigint, int, text[], jsonb, jsonb, bigint, text[]);
      DROP FUNCTION jobdeck.finish(text, text, text, bigint, int, text, text, double precision, double precision,
        double precision, text, int, int, bigint, double precision, bigint[], bigint);
      CREATE FUNCTION jobdeck.finish(p_run_id text, p_runner text, p_status text, p_now bigint, p_exit_code int,
        p_signal text, p_error text, p_percent double precision, p_current double precision, p_total double precision,
        p_message text, p_items_ok int, p_items_failed int, p_peak_rss bigint, p_cpu_seconds double precision,
        p_retry_delays bigint[], p_started_at bigint, p_processes_stopped int)
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
          peak_rss_bytes = p_peak_rss, cpu_seconds = p_cpu_seconds, processes_stopped = p_processes_stopped,
          lease_until = NULL, tx = pg_current_xact_id(),
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
            (v_f ->> 'startedAt')::bigint, coalesce((v_f ->> 'processesStopped')::int, 0));
          RETURN NEXT;
        END LOOP;
      END $$;

      -- A rescuer first stops, on its own machine, the processes of the runs it is about to hand
      -- back (by their JOBDECK_RUN_ID), then rescues exactly those: a lease that expires in
      -- between waits for the next pass instead of being re-queued with its processes alive.
      DROP FUNCTION jobdeck.rescue(bigint, text[], int);
      CREATE FUNCTION jobdeck.rescue(p_now bigint, p_fail_types text[], p_limit int, p_ids text[])
      RETURNS TABLE (job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_run jobdeck.runs;
        v_job jobdeck.jobs;
        v_interruptions int;
      BEGIN
        FOR v_run IN
          SELECT * FROM jobdeck.runs WHERE status = 'running' AND lease_until < (extract(epoch FROM clock_timestamp()) * 1000)::bigint AND id = ANY (p_ids)
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
