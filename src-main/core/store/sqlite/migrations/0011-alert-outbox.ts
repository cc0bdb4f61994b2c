// SQLite, version 11: alerts. Each alert the rules decide is a durable row keyed by what it is
// about and its channel, so a restart neither re-decides it nor drops it; a delivery groups the
// alerts of a burst into one message and keeps its attempts until the channel took it.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0011 = Object.freeze({
  version: 11,
  name: 'alert outbox',
  sql: `
      -- One message to one channel (a single alert, or a digest of a burst), tried until sent
      -- or given up, with exponential backoff.
      CREATE TABLE alert_deliveries (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('webhook','email','desktop')),
        title TEXT NOT NULL,
        -- JSON array of the rule indexes it carries (empty for a test message).
        rules TEXT NOT NULL DEFAULT '[]',
        alerts INTEGER NOT NULL,
        test INTEGER NOT NULL DEFAULT 0 CHECK (test IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('pending','sent','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        next_attempt_at INTEGER,
        sent_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX alert_deliveries_newest ON alert_deliveries (created_at DESC, id DESC);

      -- One alert for one channel. (key, channel) is unique: deciding it again (a restart reading
      -- the same history, a second rule naming the same channel) inserts nothing. A row waits
      -- (delivery_id NULL) until its burst is grouped into a delivery.
      CREATE TABLE alert_outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        channel TEXT NOT NULL,
        -- Index into alerts.rules when decided; -1 for a test message.
        rule INTEGER NOT NULL,
        -- AlertPayload JSON (src-shared/alerts.ts).
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        delivery_id INTEGER REFERENCES alert_deliveries (id) ON DELETE CASCADE,
        UNIQUE (key, channel)
      );
      CREATE INDEX alert_outbox_waiting ON alert_outbox (channel, created_at) WHERE delivery_id IS NULL;
      CREATE INDEX alert_outbox_delivery ON alert_outbox (delivery_id) WHERE delivery_id IS NOT NULL;

      -- A job type's alerts held back until a time (local mode; shared mode keeps them in PostgreSQL).
      CREATE TABLE alert_snoozes (
        type TEXT PRIMARY KEY,
        until INTEGER NOT NULL,
        by TEXT
      ) WITHOUT ROWID;

      -- The rules read history from here on (jobs.seq), so a kill between a failure's commit and
      -- its alert loses nothing: the next process reads on from the last seq it decided.
      INSERT INTO meta (key, value) VALUES ('alerts.seq', (SELECT value FROM meta WHERE key = 'seq'));
    `,
})
