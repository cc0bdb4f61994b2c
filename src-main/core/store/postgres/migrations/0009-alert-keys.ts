// PostgreSQL shared schema, version 9: alerts. Every instance's cache sees every failure, so each
// decides the same alerts; the key of an alert lives here, so exactly one instance writes it to its
// outbox and sends it. Snoozes here hold for every instance.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0009 = Object.freeze({
  version: 9,
  name: 'alert keys',
  sql: `
      -- One row per alert decided anywhere, keyed by what it is about (failed:<job>:<run>,
      -- deadline:<schedule>:<day>, ...). The instance whose insert won sends it; the same instance
      -- claiming again (a restart before its outbox write committed) wins again, another never.
      CREATE TABLE jobdeck.alert_keys (
        key text PRIMARY KEY,
        instance text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX alert_keys_at ON jobdeck.alert_keys (at);

      -- A job type's alerts held back until a time (epoch ms), for every instance.
      CREATE TABLE jobdeck.alert_snoozes (
        type text PRIMARY KEY,
        until bigint NOT NULL,
        by text
      );
    `,
})
