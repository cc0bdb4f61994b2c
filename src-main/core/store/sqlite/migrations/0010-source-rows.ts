// SQLite cache, version 10: rows mirrored from other systems' job tables (`sources:`). They are
// jobs and runs like Jobdeck's own, so every view, search and counter works on them, but a runner
// never claims, counts or recovers them: the ready and running indexes hold only Jobdeck's own
// rows, and every runner statement names `source IS NULL`. A source keeps its resume point here.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0010 = Object.freeze({
  version: 10,
  name: 'source rows',
  sql: `
      ALTER TABLE jobs ADD COLUMN source TEXT;
      ALTER TABLE jobs ADD COLUMN source_id TEXT;
      CREATE UNIQUE INDEX jobs_source_row ON jobs (source, source_id) WHERE source IS NOT NULL;
      CREATE INDEX jobs_source_unfinished ON jobs (source, created_at)
        WHERE source IS NOT NULL AND status IN ('queued','retrying','running');
      DROP INDEX jobs_ready;
      CREATE INDEX jobs_ready ON jobs (priority DESC, ord) WHERE status IN ('queued','retrying') AND source IS NULL;

      ALTER TABLE runs ADD COLUMN source TEXT;
      ALTER TABLE runs ADD COLUMN source_id TEXT;
      ALTER TABLE runs ADD COLUMN start_kind TEXT NOT NULL DEFAULT 'recorded' CHECK (start_kind IN ('recorded','observed','unknown'));
      ALTER TABLE runs ADD COLUMN stuck_at INTEGER;
      DROP INDEX runs_running;
      CREATE INDEX runs_running ON runs (lane) WHERE status = 'running' AND source IS NULL;
      CREATE INDEX runs_source_running ON runs (source, started_at) WHERE status = 'running' AND source IS NOT NULL;
      CREATE INDEX runs_source_started ON runs (source, started_at DESC, id DESC) WHERE source IS NOT NULL;

      -- Where each source's poll resumes, and what it last met. 'mapping' is a digest of the
      -- mapping its rows were mirrored with: a different one mirrors the source again from scratch.
      CREATE TABLE source_state (
        name TEXT PRIMARY KEY,
        mapping TEXT NOT NULL,
        watermark TEXT,
        backfilled INTEGER NOT NULL DEFAULT 0,
        last_sync_at INTEGER,
        error TEXT,
        offline_since INTEGER,
        poll_ms REAL,
        unmapped TEXT NOT NULL DEFAULT '[]'
      ) WITHOUT ROWID;
    `,
})
