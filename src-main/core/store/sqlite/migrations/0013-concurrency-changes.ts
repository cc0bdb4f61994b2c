// SQLite, version 13: adaptive concurrency's steps, one row each, so the Timeline's host strip can
// mark them and a CLI in another process can tell the runner's effective limit (the last step
// since the runner started). Kept as long as the host's per-minute aggregates.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0013 = Object.freeze({
  version: 13,
  name: 'concurrency changes',
  sql: `
      CREATE TABLE concurrency_changes (
        at INTEGER NOT NULL,
        from_n INTEGER NOT NULL CHECK (from_n >= 1),
        to_n INTEGER NOT NULL CHECK (to_n >= 1),
        -- runner.concurrency's max when it stepped: the view says "2 of 4".
        max_n INTEGER NOT NULL CHECK (max_n >= to_n),
        reason TEXT NOT NULL
      );
      CREATE INDEX concurrency_changes_at ON concurrency_changes (at);
`,
})
