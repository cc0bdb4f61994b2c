// SQLite, version 15: the audit log (issue 17). One row per call that changed something (or tried
// to): who, when, what, on which ids, the input in a line with its secrets masked, and how it
// ended. In shared mode a row is `pending` until the shared database has it (its id, a ULID made
// here, makes the push idempotent), so a record written offline is never lost.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0015 = Object.freeze({
  version: 15,
  name: 'audit log',
  sql: `
      CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        who TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
        method TEXT NOT NULL,
        -- JSON array of at most 20 ids or names; target_count says how many in all.
        targets TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(targets) AND json_array_length(targets) <= 20),
        target_count INTEGER NOT NULL CHECK (target_count >= 0),
        summary TEXT NOT NULL CHECK (length(summary) <= 200),
        -- 'ok' or the error code the call ended with.
        outcome TEXT NOT NULL,
        message TEXT,
        -- Shared mode: 1 until PostgreSQL has the row (retention leaves it alone until then).
        pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1))
      ) WITHOUT ROWID;
      -- audit.list: newest first (and retention by age), one caller's newest first, what is owed.
      CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);
      CREATE INDEX audit_log_who ON audit_log (who, at DESC, id DESC);
      CREATE INDEX audit_log_pending ON audit_log (at) WHERE pending = 1;
    `,
})
