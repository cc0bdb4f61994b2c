// PostgreSQL shared schema, version 11: what retention deleted, for the caches to follow. The
// instance holding retention's advisory lock deletes finished jobs in batches, each batch with
// its ids recorded here in the same statement; every cache deletes those ids at its next pull, so
// a cache never keeps a job the shared database no longer has.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0011 = Object.freeze({
  version: 11,
  name: 'retention deletes',
  sql: `
      -- One row per delete batch; read by tx like jobdeck.clears, pruned by retention itself
      -- after a while (a cache offline longer follows by applying the policy to itself).
      CREATE TABLE jobdeck.retention_deletes (
        id bigserial PRIMARY KEY,
        job_ids text[] NOT NULL,
        at bigint NOT NULL,
        tx xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX retention_deletes_tx ON jobdeck.retention_deletes (tx);
      CREATE INDEX retention_deletes_at ON jobdeck.retention_deletes (at);
    `,
})
