// SQLite cache, version 1: the queue, the run history, the counters kept by triggers and the runner lock.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0001 = Object.freeze({
  version: 1,
  name: 'queue and history',
  sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('seq', '0'), ('paused', '0');

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        params TEXT NOT NULL,
        priority INTEGER NOT NULL,
        lane TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','retrying','succeeded','partial','failed','canceled')),
        ord REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        interruptions INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        run_after INTEGER,
        finished_at INTEGER,
        last_run_id TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        seq INTEGER NOT NULL
      );
      CREATE INDEX jobs_ready ON jobs (priority DESC, ord) WHERE status IN ('queued','retrying');
      CREATE INDEX jobs_seq ON jobs (seq);
      CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX jobs_retrying ON jobs (run_after) WHERE status = 'retrying';
      CREATE INDEX jobs_cancel ON jobs (id) WHERE cancel_requested = 1 AND status = 'running';

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        lane TEXT NOT NULL,
        params TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running','succeeded','partial','failed','canceled','interrupted')),
        queued_at INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        exit_code INTEGER,
        signal TEXT,
        error TEXT,
        progress_percent REAL,
        progress_current REAL,
        progress_total REAL,
        progress_message TEXT,
        items_ok INTEGER,
        items_failed INTEGER,
        runner_id TEXT NOT NULL,
        pid INTEGER,
        pid_start TEXT,
        log_bytes INTEGER NOT NULL DEFAULT 0,
        log_truncated INTEGER NOT NULL DEFAULT 0,
        seq INTEGER NOT NULL
      );
      CREATE INDEX runs_job ON runs (job_id, attempt);
      CREATE INDEX runs_started ON runs (started_at DESC, id DESC);
      CREATE INDEX runs_type_started ON runs (type, started_at DESC, id DESC);
      CREATE INDEX runs_status_started ON runs (status, started_at DESC, id DESC);
      CREATE INDEX runs_running ON runs (lane) WHERE status = 'running';
      CREATE INDEX runs_seq ON runs (seq);

      CREATE TABLE run_logs (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        stream TEXT NOT NULL,
        at INTEGER NOT NULL,
        text TEXT NOT NULL
      );
      CREATE INDEX run_logs_run ON run_logs (run_id, id);

      -- Maintained per type and status so status views never count over the whole history.
      CREATE TABLE job_counts (
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (type, status)
      ) WITHOUT ROWID;
      CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO job_counts (type, status, n) VALUES (new.type, new.status, 1)
          ON CONFLICT (type, status) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
        UPDATE job_counts SET n = n - 1 WHERE type = old.type AND status = old.status;
      END;
      CREATE TRIGGER job_counts_update AFTER UPDATE OF status ON jobs WHEN old.status <> new.status BEGIN
        UPDATE job_counts SET n = n - 1 WHERE type = old.type AND status = old.status;
        INSERT INTO job_counts (type, status, n) VALUES (new.type, new.status, 1)
          ON CONFLICT (type, status) DO UPDATE SET n = n + 1;
      END;

      CREATE TABLE runner_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        runner_id TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
    `,
})
