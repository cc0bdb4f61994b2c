// PostgreSQL shared schema, version 6: a finish applies the job's next state the runner decided
// (model/transitions.ts) instead of deciding it again from retry delays; the batch is one statement.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0006 = Object.freeze({
  version: 6,
  name: "a finish applies the runner's decision about the job",
  sql: `
      DROP FUNCTION jobdeck.finish_and_claim(jsonb, text, bigint, int, text[], jsonb, jsonb, bigint, text[]);
      DROP FUNCTION jobdeck.finish(text, text, text, bigint, int, text, text, double precision, double precision,
        double precision, text, int, int, bigint, double precision, bigint[], bigint, int);

      -- p_finishes: one object per result, the run's record and the job's next state (jobStatus,
      -- failures, runAfter for a retry, finishedAt for a terminal state, jobError). Fenced: only a
      -- run still running and this runner's is recorded; the others come back with finished NULL.
      -- The claim comes first and counts the slots of the runs being finished as free.
      CREATE FUNCTION jobdeck.finish_and_claim(p_finishes jsonb, p_runner text, p_now bigint,
        p_max int, p_types text[], p_exact jsonb, p_patterns jsonb, p_lease_ms bigint, p_run_ids text[])
      RETURNS TABLE (finished_run text, finished json, job json, run json) LANGUAGE plpgsql AS $$
      DECLARE
        v_row record;
        v_any boolean := false;
      BEGIN
        RETURN QUERY SELECT NULL::text, NULL::json, c.job, c.run FROM jobdeck.claim(p_runner, p_now, p_max, p_types,
          p_exact, p_patterns, p_lease_ms, p_run_ids, ARRAY(SELECT f ->> 'runId' FROM jsonb_array_elements(p_finishes) f)) c;
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
