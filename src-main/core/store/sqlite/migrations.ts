import type Database from 'better-sqlite3'
import { JobdeckError } from '../../../../src-shared/errors'

// Each migration moves the schema from version N-1 to N (`PRAGMA user_version`) and runs in
// one transaction with the version bump, so a crash mid-migration leaves the old schema intact.
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
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
  },
  {
    version: 2,
    name: 'resource monitoring',
    sql: `
      -- Raw host samples: the last hour (pruned). \`detail\` holds per-core CPU, load and disks.
      CREATE TABLE host_samples (
        at INTEGER PRIMARY KEY,
        cpu REAL NOT NULL,
        mem_used INTEGER NOT NULL,
        mem_total INTEGER NOT NULL,
        swap_used INTEGER,
        swap_total INTEGER,
        load1 REAL,
        disk_max REAL,
        detail TEXT NOT NULL
      );
      -- Per-minute min/avg/max: 30 days (pruned); a day is one range scan of the primary key.
      CREATE TABLE host_minutes (
        minute INTEGER PRIMARY KEY,
        samples INTEGER NOT NULL,
        cpu_min REAL NOT NULL, cpu_avg REAL NOT NULL, cpu_max REAL NOT NULL,
        mem_min REAL NOT NULL, mem_avg REAL NOT NULL, mem_max REAL NOT NULL,
        disk_max REAL
      );
      -- A run's process tree over time; goes with the run.
      CREATE TABLE run_usage (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        cpu REAL NOT NULL,
        rss INTEGER NOT NULL,
        PRIMARY KEY (run_id, at)
      ) WITHOUT ROWID;
      ALTER TABLE runs ADD COLUMN peak_rss_bytes INTEGER;
      ALTER TABLE runs ADD COLUMN cpu_seconds REAL;
    `,
  },
  {
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
  },
  {
    version: 4,
    name: 'shared-mode cache and outbox',
    sql: `
      -- Shared mode: what this instance did while the shared database was unreachable (results,
      -- enqueues, output), written in the same transaction as the local state change and pushed,
      -- idempotently, when it is back.
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('enqueue','finish','logs')),
        -- A finish's run id: the sync must not overwrite a result the database has not seen yet.
        ref TEXT,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX outbox_ref ON outbox (ref) WHERE ref IS NOT NULL;
      -- The cache receives runs that are already finished (mirrored from the shared database).
      CREATE TRIGGER type_stats_insert_finished AFTER INSERT ON runs WHEN new.status <> 'running' BEGIN
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
    `,
  },
  {
    version: 5,
    name: 'processes a run left behind',
    sql: `
      -- How many processes Jobdeck stopped at the end of a run: at cancel or timeout, or left
      -- running after the main process exited (found by their JOBDECK_RUN_ID).
      ALTER TABLE runs ADD COLUMN processes_stopped INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 6,
    name: 'finished jobs by status and time',
    sql: `
      -- jobs.list: finished jobs of one status, newest first, with keyset paging and a bounded
      -- count, e.g. the failures of the last 24 h among tens of thousands of failed jobs. Partial:
      -- a job enters it once, when it finishes, so enqueue and claim pay nothing for it.
      CREATE INDEX jobs_status_finished ON jobs (status, finished_at DESC, id DESC) WHERE finished_at IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'one search document per finished run',
    sql: `
      -- History search newest first with a limit: one document per finished run (its error and
      -- its output) whose rowid, its key, orders by the run's start, so a search reads
      -- \`ORDER BY rowid DESC LIMIT n\` instead of collecting every match (every line) and sorting.
      -- key = started_at × 2^21 + a tie-breaker among runs of the same millisecond; \`facets\` holds
      -- a token for the run's type (hex of its name) and status, so those filters are FTS terms too.
      -- Contentless: the text is in runs and run_logs already (log_fts and error_fts give the
      -- snippets and the exact per-line check of several words). Running runs have no document.
      CREATE VIRTUAL TABLE run_search USING fts5 (text, facets, content = '', contentless_delete = 1, detail = column);
      CREATE TABLE run_search_keys (
        key INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL UNIQUE
      );
      CREATE TRIGGER run_search_finish AFTER UPDATE OF status ON runs
        WHEN old.status = 'running' AND new.status <> 'running' BEGIN
        INSERT INTO run_search_keys (key, run_id) VALUES (
          coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= new.started_at * 2097152 AND key < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          new.id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT key, coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status
          FROM run_search_keys WHERE run_id = new.id;
      END;
      -- The shared-mode cache receives runs that are already finished.
      CREATE TRIGGER run_search_insert_finished AFTER INSERT ON runs WHEN new.status <> 'running' BEGIN
        INSERT INTO run_search_keys (key, run_id) VALUES (
          coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= new.started_at * 2097152 AND key < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          new.id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT key, coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status
          FROM run_search_keys WHERE run_id = new.id;
      END;
      -- A finished run changed (the cache mirrors a correction): its document again, keyed anew.
      CREATE TRIGGER run_search_update AFTER UPDATE OF error, started_at, status, type ON runs
        WHEN old.status <> 'running' AND new.status <> 'running'
          AND (old.error IS NOT new.error OR old.started_at <> new.started_at OR old.status <> new.status OR old.type <> new.type) BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = old.id);
        DELETE FROM run_search_keys WHERE run_id = old.id;
        INSERT INTO run_search_keys (key, run_id) VALUES (
          coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= new.started_at * 2097152 AND key < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          new.id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT key, coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status
          FROM run_search_keys WHERE run_id = new.id;
      END;
      CREATE TRIGGER run_search_delete AFTER DELETE ON runs WHEN old.status <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = old.id);
        DELETE FROM run_search_keys WHERE run_id = old.id;
      END;
      -- Output that changes after the run finished (late lines, a trim): the document again, same key.
      CREATE TRIGGER run_search_log_insert AFTER INSERT ON run_logs
        WHEN (SELECT status FROM runs WHERE id = new.run_id) <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = new.run_id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT k.key, coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
            't' || hex(r.type) || ' s' || r.status
          FROM run_search_keys k JOIN runs r ON r.id = k.run_id WHERE k.run_id = new.run_id;
      END;
      CREATE TRIGGER run_search_log_delete AFTER DELETE ON run_logs
        WHEN (SELECT status FROM runs WHERE id = old.run_id) <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = old.run_id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT k.key, coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
            't' || hex(r.type) || ' s' || r.status
          FROM run_search_keys k JOIN runs r ON r.id = k.run_id WHERE k.run_id = old.run_id;
      END;
      -- The runs there already: keyed in start order, ties in id order.
      INSERT INTO run_search_keys (key, run_id)
        SELECT started_at * 2097152 + row_number() OVER (PARTITION BY started_at ORDER BY id) - 1, id
        FROM runs WHERE status <> 'running' ORDER BY 1;
      INSERT INTO run_search (rowid, text, facets)
        SELECT k.key, coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(l.text, char(10)) FROM run_logs l WHERE l.run_id = r.id), ''),
          't' || hex(r.type) || ' s' || r.status
        FROM run_search_keys k JOIN runs r ON r.id = k.run_id ORDER BY k.key;
    `,
  },
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

export function migrate(db: Database.Database, file: string, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new JobdeckError(
      'conflict',
      `${file} has schema version ${current}, newer than this Jobdeck understands (${SCHEMA_VERSION}); ` +
        'upgrade Jobdeck or point it at another data dir (--data-dir)',
    )
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue
    db.transaction(() => {
      db.exec(migration.sql)
      db.pragma(`user_version = ${migration.version}`)
    }).immediate()
  }
}
