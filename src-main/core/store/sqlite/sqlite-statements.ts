// Every statement of the local store, prepared once per connection and shared by its read
// models and its writes (sqlite-store.ts, queue-reads.ts, history-reads.ts).
import { TERMINAL_JOB_STATUSES } from '../../../../src-shared/domain'
import type { SqliteDatabase } from './open-database'

const TERMINAL_SQL = `(${TERMINAL_JOB_STATUSES.map((s) => `'${s}'`).join(',')})`
// @source: '' for all runs, '-' for Jobdeck's own (an own type never holds a `/`), else a source's
// (its types are `source/…`): read from the covering index's type column, no lookup.
export const TIMELINE_RANGE = `FROM runs INDEXED BY runs_timeline
      WHERE started_at >= @lower AND started_at < @until AND coalesce(finished_at, @now) > @since
        AND (@source = '' OR (@source = '-' AND instr(type, '/') = 0) OR (@source <> '-' AND substr(type, 1, length(@source) + 1) = @source || '/'))`

export type Statements = ReturnType<typeof prepareStatements>

export function prepareStatements(db: SqliteDatabase) {
  return {
    bumpSeq: db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER) AS value`),
    getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`),
    setMeta: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    getJob: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
    getJobOfRun: db.prepare(`SELECT jobs.* FROM runs JOIN jobs ON jobs.id = runs.job_id WHERE runs.id = ?`),
    getRun: db.prepare(`SELECT * FROM runs WHERE id = ?`),
    jobSchedules: db.prepare(`SELECT id, schedule FROM jobs WHERE id IN (SELECT value FROM json_each(?)) AND schedule IS NOT NULL`),
    insertJob: db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq, schedule)
      VALUES (@id, @type, @params, @priority, @lane, 'queued', @ord, @now, @now, @seq, @schedule)`),
    // Mirrored rows (source IS NOT NULL) are never claimed, counted against a lane or recovered by a runner.
    runningByLane: db.prepare(`SELECT lane, count(*) AS n FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL GROUP BY lane`),
    nextEligible: db.prepare(`SELECT * FROM jobs INDEXED BY jobs_ready
      WHERE status IN ('queued','retrying') AND source IS NULL
        AND (run_after IS NULL OR run_after <= ?)
        AND lane NOT IN (SELECT value FROM json_each(?))
        AND (type IN (SELECT value FROM json_each(?)) OR (start_now = 1 AND type IN (SELECT value FROM json_each(?))))
        AND id NOT IN (SELECT value FROM json_each(?))
      ORDER BY priority DESC, ord LIMIT 1`),
    insertRun: db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq, gate_bypassed)
      VALUES (@id, @jobId, @type, @lane, @params, @attempt, 'running', @queuedAt, @startedAt, @runnerId, @seq, @gateBypassed)`),
    // "Start now" is spent by the claim, whether the gate held the type or not.
    markJobRunning: db.prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1, last_run_id = @runId,
      run_after = NULL, error = NULL, start_now = 0, seq = @seq WHERE id = @id`),
    setStartNow: db.prepare(`UPDATE jobs SET start_now = 1, seq = @seq WHERE id = @id`),
    // Starts of Jobdeck's own runs since a moment (lane rates), from the covering runs_timeline index.
    startsSince: db.prepare(`SELECT lane, started_at AS at FROM runs INDEXED BY runs_timeline
      WHERE started_at > ? AND instr(type, '/') = 0 ORDER BY started_at`),
    setRunPid: db.prepare(`UPDATE runs SET pid = @pid, pid_start = @pidStart, seq = @seq WHERE id = @runId`),
    saveProgress: db.prepare(`UPDATE runs SET progress_percent = @percent, progress_current = @current,
      progress_total = @total, progress_message = @message, items_ok = @itemsOk, items_failed = @itemsFailed
      WHERE id = @runId AND status = 'running'`),
    finishRun: db.prepare(`UPDATE runs SET status = @status, finished_at = @now, exit_code = @exitCode, signal = @signal,
      error = @error, progress_percent = @percent, progress_current = @current, progress_total = @total,
      progress_message = @message, items_ok = @itemsOk, items_failed = @itemsFailed,
      peak_rss_bytes = @peakRss, cpu_seconds = @cpuSeconds, processes_stopped = @processesStopped, seq = @seq,
      -- When the work really started, if the runner knows it better than the claim (as PostgreSQL records it).
      started_at = coalesce(@startedAt, started_at)
      WHERE id = @runId AND status = 'running' AND runner_id = @runnerId RETURNING job_id`),
    // The runner's decision (model/transitions.ts), applied as it is: a retry waits from its
    // runAfter, a terminal state ends the job.
    jobAfterRun: db.prepare(`UPDATE jobs SET status = @jobStatus, failures = @failures, run_after = @runAfter,
      queued_at = coalesce(@runAfter, queued_at), finished_at = coalesce(@finishedAt, finished_at), error = @jobError,
      cancel_requested = 0, seq = @seq WHERE id = @jobId`),
    runningRuns: db.prepare(`SELECT * FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL ORDER BY started_at`),
    interruptRun: db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = @now, error = @error, seq = @seq WHERE id = @runId`),
    jobInterruptedFail: db.prepare(`UPDATE jobs SET status = 'failed', finished_at = @now, interruptions = @interruptions,
      error = @error, cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobRequeued: db.prepare(`UPDATE jobs SET status = 'queued', queued_at = @now, interruptions = @interruptions,
      cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobCanceledWaiting: db.prepare(`UPDATE jobs SET status = 'canceled', finished_at = @now, error = 'canceled by operator before it ran',
      cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobRestored: db.prepare(`UPDATE jobs SET status = CASE WHEN run_after IS NULL THEN 'queued' ELSE 'retrying' END, finished_at = NULL,
      error = CASE WHEN run_after IS NULL THEN NULL ELSE (SELECT error FROM runs WHERE runs.id = jobs.last_run_id) END,
      cancel_requested = 0, seq = @seq WHERE id = @id`),
    requestCancel: db.prepare(`UPDATE jobs SET cancel_requested = 1, seq = @seq WHERE id = @id`),
    jobRetried: db.prepare(`UPDATE jobs SET status = 'queued', failures = 0, interruptions = 0, finished_at = NULL,
      run_after = NULL, error = NULL, cancel_requested = 0, queued_at = @now, ord = @ord, seq = @seq WHERE id = @id`),
    setPriority: db.prepare(`UPDATE jobs SET priority = @priority, seq = @seq WHERE id = @id`),
    clearChunk: db.prepare(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
      WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ${TERMINAL_SQL} LIMIT 500)`),
    runsOfJob: db.prepare(`SELECT * FROM runs WHERE job_id = ? ORDER BY attempt`),
    waiting: db.prepare(`SELECT * FROM jobs INDEXED BY jobs_ready WHERE status IN ('queued','retrying') AND source IS NULL
      ORDER BY priority DESC, ord LIMIT ?`),
    // Jobdeck's own jobs: a mirrored type is `source/type`, and an own type name never holds a `/`.
    counts: db.prepare(`SELECT status, sum(n) AS n FROM job_counts WHERE instr(type, '/') = 0 GROUP BY status`),
    hasPending: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_ready WHERE status IN ('queued','retrying') AND source IS NULL)
      OR EXISTS (SELECT 1 FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL) AS pending`),
    logs: db.prepare(`SELECT * FROM run_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`),
    logTail: db.prepare(`SELECT * FROM run_logs WHERE run_id = ? ORDER BY id DESC LIMIT ?`),
    logCountBefore: db.prepare(`SELECT count(*) AS n FROM run_logs WHERE run_id = ? AND id < ?`),
    insertLog: db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, ?, ?, ?)`),
    addLogBytes: db.prepare(`UPDATE runs SET log_bytes = log_bytes + ? WHERE id = ? RETURNING log_bytes`),
    logSizes: db.prepare(`SELECT id, length(CAST(text AS BLOB)) + 1 AS size FROM run_logs WHERE run_id = ? ORDER BY id`),
    dropLogs: db.prepare(`DELETE FROM run_logs WHERE run_id = ? AND id <= ?`),
    markLogTrimmed: db.prepare(`UPDATE runs SET log_bytes = log_bytes - ?, log_truncated = 1 WHERE id = ?`),
    jobsSince: db.prepare(`SELECT * FROM jobs WHERE seq > ? ORDER BY seq`),
    runsSince: db.prepare(`SELECT * FROM runs WHERE seq > ? ORDER BY seq`),
    cancelRequested: db.prepare(`SELECT jobs.id AS jobId, jobs.last_run_id AS runId FROM jobs INDEXED BY jobs_cancel
      WHERE cancel_requested = 1 AND status = 'running'`),
    nextRunAfter: db.prepare(`SELECT min(run_after) AS at FROM jobs INDEXED BY jobs_retrying WHERE status = 'retrying'`),
    getLock: db.prepare(`SELECT * FROM runner_lock WHERE id = 1`),
    putLock: db.prepare(`INSERT INTO runner_lock (id, runner_id, pid, host, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET runner_id = excluded.runner_id, pid = excluded.pid, host = excluded.host,
      started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`),
    heartbeat: db.prepare(`UPDATE runner_lock SET heartbeat_at = ? WHERE runner_id = ?`),
    releaseLock: db.prepare(`DELETE FROM runner_lock WHERE runner_id = ?`),
    typeStats: db.prepare(`SELECT * FROM type_stats WHERE runs > 0 ORDER BY type`),
    runningCount: db.prepare(`SELECT (SELECT count(*) FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL AND (@type IS NULL OR type = @type))
      + (SELECT count(*) FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source IS NOT NULL AND (@type IS NULL OR type = @type)) AS n`),
    recentFinished: db.prepare(`SELECT finished_at - started_at AS ms FROM runs INDEXED BY runs_type_started
      WHERE type = ? AND finished_at IS NOT NULL AND status IN ('succeeded','partial','failed') ORDER BY started_at DESC LIMIT 100`),
    maxDuration: db.prepare(`SELECT max(max_duration) AS ms FROM type_stats`),
    // Whether the range holds more than @cap runs, without counting them all.
    timelineOver: db.prepare(`SELECT count(*) AS n FROM (SELECT 1 ${TIMELINE_RANGE} LIMIT @cap)`),
    timelineAll: db.prepare(`SELECT id, job_id, type, lane, status, attempt, queued_at, started_at, finished_at ${TIMELINE_RANGE}
      ORDER BY started_at LIMIT @limit`),
    timelineLong: db.prepare(`SELECT id, job_id, type, lane, status, attempt, queued_at, started_at, finished_at ${TIMELINE_RANGE}
        AND coalesce(finished_at, @now) - started_at >= @bucket
      ORDER BY coalesce(finished_at, @now) - started_at DESC LIMIT @limit`),
    // Source runs only (the timeline's marks): start_kind and stuck_at are not in runs_timeline.
    sourceMarks: db.prepare(`SELECT id, status, start_kind, stuck_at FROM runs
      WHERE id IN (SELECT value FROM json_each(?)) AND source IS NOT NULL AND (start_kind <> 'recorded' OR stuck_at IS NOT NULL)`),
    firstStartSince: db.prepare(`SELECT min(started_at) AS at FROM runs WHERE started_at >= ?`),
    lastStart: db.prepare(`SELECT max(started_at) AS at FROM runs`),
    syncNormal: db.prepare(`PRAGMA synchronous = NORMAL`),
    syncFull: db.prepare(`PRAGMA synchronous = FULL`),
  }
}
