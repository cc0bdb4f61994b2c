// SQLite cache, version 4: the shared-mode outbox, and stats for runs mirrored already finished.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0004 = Object.freeze({
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
})
