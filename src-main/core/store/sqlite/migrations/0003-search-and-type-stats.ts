// SQLite cache, version 3: full-text search over output and errors, per-type stats kept by triggers.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0003 = Object.freeze({
  version: 3,
  name: 'search and per-type stats',
  sql: `
      -- Full-text search over run output and run errors (external content: no second copy).
      CREATE VIRTUAL TABLE log_fts USING fts5 (text, content = 'run_logs', content_rowid = 'id');
      CREATE TRIGGER run_logs_fts_insert AFTER INSERT ON run_logs BEGIN
        INSERT INTO log_fts (rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER run_logs_fts_delete AFTER DELETE ON run_logs BEGIN
        INSERT INTO log_fts (log_fts, rowid, text) VALUES ('delete', old.id, old.text);
      END;
      INSERT INTO log_fts (log_fts) VALUES ('rebuild');

      CREATE VIRTUAL TABLE error_fts USING fts5 (error, content = 'runs', content_rowid = 'rowid');
      CREATE TRIGGER runs_error_fts_insert AFTER INSERT ON runs WHEN new.error IS NOT NULL BEGIN
        INSERT INTO error_fts (rowid, error) VALUES (new.rowid, new.error);
      END;
      CREATE TRIGGER runs_error_fts_update AFTER UPDATE OF error ON runs
        WHEN coalesce(old.error, '') <> coalesce(new.error, '') BEGIN
        INSERT INTO error_fts (error_fts, rowid, error) SELECT 'delete', old.rowid, old.error WHERE old.error IS NOT NULL;
        INSERT INTO error_fts (rowid, error) SELECT new.rowid, new.error WHERE new.error IS NOT NULL;
      END;
      CREATE TRIGGER runs_error_fts_delete AFTER DELETE ON runs WHEN old.error IS NOT NULL BEGIN
        INSERT INTO error_fts (error_fts, rowid, error) VALUES ('delete', old.rowid, old.error);
      END;
      INSERT INTO error_fts (error_fts) VALUES ('rebuild');

      -- History filtered by type and status together.
      CREATE INDEX runs_type_status_started ON runs (type, status, started_at DESC, id DESC);

      -- Covers the timeline's range scans: no table lookups for 100k runs in a window.
      CREATE INDEX runs_timeline ON runs (started_at, finished_at, type, lane, status, attempt, queued_at, job_id, id);

      -- Maintained per type as runs finish, so stats never scan the history.
      CREATE TABLE type_stats (
        type TEXT PRIMARY KEY,
        runs INTEGER NOT NULL DEFAULT 0,
        succeeded INTEGER NOT NULL DEFAULT 0,
        partial INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        canceled INTEGER NOT NULL DEFAULT 0,
        interrupted INTEGER NOT NULL DEFAULT 0,
        duration_sum INTEGER NOT NULL DEFAULT 0,
        max_duration INTEGER NOT NULL DEFAULT 0,
        last_run_id TEXT,
        last_status TEXT,
        last_finished_at INTEGER
      ) WITHOUT ROWID;
      CREATE TRIGGER type_stats_finish AFTER UPDATE OF status ON runs
        WHEN old.status = 'running' AND new.status <> 'running' BEGIN
        INSERT INTO type_stats (type) VALUES (new.type) ON CONFLICT (type) DO NOTHING;
        UPDATE type_stats SET
          runs = runs + 1,
          succeeded = succeeded + (new.status = 'succeeded'),
          partial = partial + (new.status = 'partial'),
          failed = failed + (new.status = 'failed'),
          canceled = canceled + (new.status = 'canceled'),
          interrupted = interrupted + (new.status = 'interrupted'),
          duration_sum = duration_sum + max(0, coalesce(new.finished_at, new.started_at) - new.started_at),
          max_duration = max(max_duration, coalesce(new.finished_at, new.started_at) - new.started_at),
          last_run_id = new.id, last_status = new.status, last_finished_at = new.finished_at
        WHERE type = new.type;
      END;
      CREATE TRIGGER type_stats_delete AFTER DELETE ON runs WHEN old.status <> 'running' BEGIN
        UPDATE type_stats SET
          runs = runs - 1,
          succeeded = succeeded - (old.status = 'succeeded'),
          partial = partial - (old.status = 'partial'),
          failed = failed - (old.status = 'failed'),
          canceled = canceled - (old.status = 'canceled'),
          interrupted = interrupted - (old.status = 'interrupted'),
          duration_sum = duration_sum - max(0, coalesce(old.finished_at, old.started_at) - old.started_at)
        WHERE type = old.type;
      END;
      INSERT INTO type_stats (type, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration)
        SELECT type, count(*), sum(status = 'succeeded'), sum(status = 'partial'), sum(status = 'failed'),
          sum(status = 'canceled'), sum(status = 'interrupted'),
          sum(max(0, coalesce(finished_at, started_at) - started_at)), max(coalesce(finished_at, started_at) - started_at)
        FROM runs WHERE status <> 'running' GROUP BY type;
    `,
})
