// PostgreSQL shared schema, version 8: schedules. The key of a fire lives here, so a fire happens
// once across every instance running schedules on this database; a pause here pauses it on all.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0008 = Object.freeze({
  version: 8,
  name: 'schedule fires',
  sql: `
      -- One row per fire, whatever it did, keyed by (schedule, scheduled time). An instance
      -- inserts the fire and its job in one transaction; another instance (or an outbox entry
      -- pushed again) finds the key taken, inserts nothing and enqueues nothing.
      CREATE TABLE jobdeck.schedule_fires (
        schedule text NOT NULL,
        scheduled_for bigint NOT NULL,
        fired_at bigint NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('enqueued','skipped','missed','paused','manual')),
        reason text,
        job_id text,
        PRIMARY KEY (schedule, scheduled_for)
      );
      CREATE INDEX schedule_fires_newest ON jobdeck.schedule_fires (scheduled_for DESC, schedule DESC);

      -- A paused schedule, shared by every instance: until a time, or (until NULL) until resumed.
      CREATE TABLE jobdeck.schedule_pauses (
        schedule text PRIMARY KEY,
        paused_at bigint NOT NULL,
        until bigint
      );

      -- The schedule that fired a job (NULL: enqueued by hand); its unfinished jobs by index (overlap).
      ALTER TABLE jobdeck.jobs ADD COLUMN schedule text;
      CREATE INDEX jobs_schedule_unfinished ON jobdeck.jobs (schedule, created_at DESC)
        WHERE schedule IS NOT NULL AND status IN ('queued','retrying','running');
    `,
})
