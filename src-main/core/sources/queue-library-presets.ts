// The job tables of the queue libraries teams adopt (pg-boss v10, River, Oban), as presets: what each
// library's states mean to Jobdeck, and where its type, lane, error, start and finish are kept.
import type { PresetShape } from './preset'

/**
 * pg-boss v10: `pgboss.job` (partitioned by queue `name`, which is both the type and the lane) and
 * `pgboss.archive`, where maintenance moves finished jobs (and jobs that waited past their
 * retention) in one statement, so a row is in exactly one of them. Both are read, or a job moved
 * to the archive would vanish from the history and a first backfill would miss it.
 *
 * No column moves on every transition (active → retry and failed → retry touch no timestamp), so
 * new rows are found by `created_on` and unfinished ones are re-read by id. pg-boss creates no index
 * for either: the advice gives them for each table (`pgboss.job` is partitioned, so no CONCURRENTLY
 * there; an index reaches every queue's partition, and ATTACH gives it to new ones).
 */
export const pgBossPreset: PresetShape = {
  name: 'pg-boss',
  table: 'pgboss.job',
  // A job archived while still `created`/`retry` never ran and never will: `archived_unstarted`,
  // a value of ours, so it does not wait in the Queue forever.
  from: `SELECT id, name, state::text AS state, created_on, started_on, completed_on, output FROM {schema}.job
    UNION ALL
    SELECT id, name, CASE WHEN state IN ('created', 'retry') THEN 'archived_unstarted' ELSE state::text END,
      created_on, started_on, completed_on, output FROM {schema}.archive`,
  columns: {
    id: 'id',
    type: 'name',
    lane: 'name',
    status: 'state',
    created: 'created_on',
    started: 'started_on',
    finished: 'completed_on',
    // fail(err) stores the serialized Error ({name, message, stack}); fail('text') and pg-boss's own
    // failures store {value: …} ({value: {message}} for a timeout). A retry keeps its last error.
    error: `CASE WHEN state IN ('failed', 'retry') THEN COALESCE(output->>'message', output#>>'{value,message}', output->>'value', output::text) END`,
  },
  requires: ['id', 'name', 'state', 'created_on', 'started_on', 'completed_on', 'output'],
  alsoRequires: { '{schema}.archive': ['id', 'name', 'state', 'created_on', 'started_on', 'completed_on', 'output'] },
  // created: waiting; retry: failed, waiting for its next attempt (queued again, as River's
  // retryable); active: fetched by a worker; cancelled by cancel(); archived_unstarted: see `from`.
  statuses: {
    created: 'queued',
    retry: 'queued',
    active: 'running',
    completed: 'succeeded',
    failed: 'failed',
    cancelled: 'canceled',
    archived_unstarted: 'canceled',
  },
  newRowsBy: 'created',
  // New rows by created_on; the unfinished re-read by id, which pg-boss's key (name, id) cannot
  // serve without the queue's name.
  indexAdvice: [
    'CREATE INDEX IF NOT EXISTS job_jobdeck_created ON {schema}.job (created_on)',
    'CREATE INDEX IF NOT EXISTS job_jobdeck_id ON {schema}.job (id)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS archive_jobdeck_created ON {schema}.archive (created_on)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS archive_jobdeck_id ON {schema}.archive (id)',
  ],
  markFailedRefused:
    "pg-boss fails an active job itself once its expireInSeconds pass (its maintenance retries it or moves it to its dead letter queue by the queue's policy); an UPDATE to 'failed' would skip that policy. Call boss.fail(name, id) from the application instead",
}

/**
 * River (`river_job`): ids are a bigserial, so new rows are found by id and unfinished ones re-read
 * by id, both on the primary key. `errors` is a jsonb[] of {at, attempt, error, trace}, one per
 * failed attempt, newest last.
 */
export const riverPreset: PresetShape = {
  name: 'river',
  table: 'public.river_job',
  columns: {
    id: 'id',
    type: 'kind',
    lane: 'queue',
    status: 'state',
    created: 'created_at',
    started: 'attempted_at',
    finished: 'finalized_at',
    // A completed job's earlier failed attempts are history, not its error.
    error: `CASE WHEN state <> 'completed' THEN errors[array_upper(errors, 1)]->>'error' END`,
  },
  requires: ['id', 'kind', 'queue', 'state', 'created_at', 'attempted_at', 'finalized_at', 'errors'],
  // available/scheduled: waiting (now / later); pending: parked until something outside River
  // releases it; retryable: failed an attempt and waits for the next; discarded: out of attempts
  // (or discarded by the worker), which is a failure to the operator.
  statuses: {
    available: 'queued',
    scheduled: 'queued',
    pending: 'queued',
    retryable: 'queued',
    running: 'running',
    completed: 'succeeded',
    discarded: 'failed',
    cancelled: 'canceled',
  },
  newRowsBy: 'id',
  // River finishes a job with JobSetStateIfRunning: a late completion of a row no longer `running`
  // is dropped, so the mark is final; and its rescuer discards stuck jobs the same way. Its CHECK
  // constraint wants finalized_at set on a discarded row.
  markFailed: { running: 'running', failed: 'discarded', finishedColumn: 'finalized_at' },
}

/**
 * Oban (`oban_jobs`): bigserial ids as River's; `worker` is the type; timestamps are `timestamp`
 * without time zone holding UTC (read in a UTC session); a finished job has one of completed_at,
 * discarded_at or cancelled_at. `errors` is a jsonb[] of {at, attempt, error}, newest last.
 */
export const obanPreset: PresetShape = {
  name: 'oban',
  table: 'public.oban_jobs',
  columns: {
    id: 'id',
    type: 'worker',
    lane: 'queue',
    status: 'state',
    created: 'inserted_at',
    started: 'attempted_at',
    finished: 'COALESCE(completed_at, discarded_at, cancelled_at)',
    error: `CASE WHEN state <> 'completed' THEN errors[array_upper(errors, 1)]->>'error' END`,
  },
  requires: ['id', 'worker', 'queue', 'state', 'inserted_at', 'attempted_at', 'completed_at', 'discarded_at', 'cancelled_at', 'errors'],
  // available/scheduled: waiting (now / later); retryable: failed an attempt, waits for the next;
  // discarded: out of attempts, a failure to the operator.
  statuses: {
    available: 'queued',
    scheduled: 'queued',
    retryable: 'queued',
    executing: 'running',
    completed: 'succeeded',
    discarded: 'failed',
    cancelled: 'canceled',
  },
  newRowsBy: 'id',
  markFailedRefused:
    "Oban's engine records a job's outcome by id without checking it is still executing, so a worker that is still alive would overwrite the mark, and its Lifeline plugin already rescues orphaned executing jobs. Use Oban.cancel_job/1 (or Oban Web) instead",
}

export const QUEUE_LIBRARY_PRESETS = [pgBossPreset, riverPreset, obanPreset] as const
