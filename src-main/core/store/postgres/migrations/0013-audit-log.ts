// PostgreSQL shared schema, version 13: the audit log (issue 17), every instance's records in one
// table. Ids are ULIDs made by the instance that recorded the call, so a record pushed again
// after an outage (kept in its SQLite file meanwhile) is inserted once.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0013 = Object.freeze({
  version: 13,
  name: 'audit log',
  sql: `
      CREATE TABLE jobdeck.audit_log (
        id text PRIMARY KEY,
        at bigint NOT NULL,
        who text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer','operator','admin')),
        method text NOT NULL,
        -- At most 20 ids or names; target_count says how many in all.
        targets jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(targets) = 'array' AND jsonb_array_length(targets) <= 20),
        target_count int NOT NULL CHECK (target_count >= 0),
        summary text NOT NULL CHECK (char_length(summary) <= 200),
        -- 'ok' or the error code the call ended with.
        outcome text NOT NULL,
        message text
      );
      -- audit.list: newest first (and retention by age), one caller's newest first.
      CREATE INDEX audit_log_newest ON jobdeck.audit_log (at DESC, id DESC);
      CREATE INDEX audit_log_who ON jobdeck.audit_log (who, at DESC, id DESC);
    `,
})
