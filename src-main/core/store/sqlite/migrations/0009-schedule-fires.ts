// SQLite, version 9: schedules. Each fire is a durable record keyed by (schedule, scheduled time);
// a schedule's pause; the schedule a job was fired by; fires made offline in the outbox.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0009 = Object.freeze({
  version: 9,
  name: 'schedule fires',
  sql: `
      -- One row per fire, whatever it did. The key makes a fire happen once: the enqueue of its
      -- job commits in the same transaction as this row, and a second writer of the same key
      -- (a restart, another instance's push) inserts nothing and enqueues nothing.
      CREATE TABLE schedule_fires (
        schedule TEXT NOT NULL,
        scheduled_for INTEGER NOT NULL,
        fired_at INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('enqueued','skipped','missed','paused','manual')),
        reason TEXT,
        job_id TEXT,
        PRIMARY KEY (schedule, scheduled_for)
      ) WITHOUT ROWID;
      -- schedules.fires across all schedules: newest first, keyset by (scheduled_for, schedule).
      CREATE INDEX schedule_fires_newest ON schedule_fires (scheduled_for DESC, schedule DESC);

      -- A paused schedule: until a time, or (until NULL) until resumed. No row: not paused.
      CREATE TABLE schedule_pauses (
        schedule TEXT PRIMARY KEY,
        paused_at INTEGER NOT NULL,
        until INTEGER
      ) WITHOUT ROWID;

      -- The schedule that fired a job (NULL: enqueued by hand). Partial index: the unfinished
      -- jobs of a schedule (overlap), so jobs enqueued by hand pay nothing for it.
      ALTER TABLE jobs ADD COLUMN schedule TEXT;
      CREATE INDEX jobs_schedule_unfinished ON jobs (schedule, created_at DESC)
        WHERE schedule IS NOT NULL AND status IN ('queued','retrying','running');

      -- Shared mode: a fire made while the shared database was unreachable is pushed as one
      -- entry (its record and its job together). SQLite cannot widen a CHECK: the table is rebuilt.
      CREATE TABLE outbox_v9 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('enqueue','finish','logs','fire')),
        ref TEXT,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      INSERT INTO outbox_v9 (id, kind, ref, payload, created_at) SELECT id, kind, ref, payload, created_at FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_v9 RENAME TO outbox;
      CREATE INDEX outbox_ref ON outbox (ref) WHERE ref IS NOT NULL;
    `,
})
