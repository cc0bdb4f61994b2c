// SQLite cache, version 7: one search document per finished run that has text, keyed by its
// start, so History search reads newest first with a limit (docs/architecture.md "History
// search"); the per-line and per-error indexes of version 3, which nothing reads any more, go.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0007 = Object.freeze({
  version: 7,
  name: 'one search document per finished run',
  sql: `
      -- Search reads run_search: the writer no longer indexes every output line as it arrives
      -- and every error as well. IF EXISTS: a bulk load cut short (cache-store.ts) leaves the
      -- triggers dropped.
      DROP TRIGGER IF EXISTS run_logs_fts_insert;
      DROP TRIGGER IF EXISTS run_logs_fts_delete;
      DROP TRIGGER IF EXISTS runs_error_fts_insert;
      DROP TRIGGER IF EXISTS runs_error_fts_update;
      DROP TRIGGER IF EXISTS runs_error_fts_delete;
      DROP TABLE log_fts;
      DROP TABLE error_fts;

      -- History search newest first with a limit: one document per finished run (its error and
      -- its output) whose rowid, its key, orders by the run's start, so a search reads
      -- ORDER BY rowid DESC LIMIT n instead of collecting every match (every line) and sorting.
      -- key = started_at × 2^21 + a tie-breaker among runs of the same millisecond; facets holds
      -- a token for the run's type (hex of its name) and status, so those filters are FTS terms too.
      -- Contentless: the text is in runs and run_logs already (a search reads it again for the
      -- snippets and the per-line check of several words). Running runs have no document, nor
      -- has a run without an error or output (no search can match it): most runs of a busy
      -- queue, which so write nothing here. It gets one when it gets text.
      CREATE VIRTUAL TABLE run_search USING fts5 (text, facets, content = '', contentless_delete = 1, detail = column);
      CREATE TABLE run_search_keys (
        key INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL UNIQUE
      );
      CREATE TRIGGER run_search_finish AFTER UPDATE OF status ON runs
        WHEN old.status = 'running' AND new.status <> 'running'
          AND (new.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = new.id)) BEGIN
        INSERT INTO run_search_keys (key, run_id) VALUES (
          coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= new.started_at * 2097152 AND key < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          new.id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT key, coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status
          FROM run_search_keys WHERE run_id = new.id;
      END;
      -- The shared-mode cache receives runs that are already finished (their output, if any, after them).
      CREATE TRIGGER run_search_insert_finished AFTER INSERT ON runs
        WHEN new.status <> 'running' AND (new.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = new.id)) BEGIN
        INSERT INTO run_search_keys (key, run_id) VALUES (
          coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= new.started_at * 2097152 AND key < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          new.id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT key, coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status
          FROM run_search_keys WHERE run_id = new.id;
      END;
      -- A finished run changed (the cache mirrors a correction): its document again, keyed anew,
      -- or none if it has no text now.
      CREATE TRIGGER run_search_update AFTER UPDATE OF error, started_at, status, type ON runs
        WHEN old.status <> 'running' AND new.status <> 'running'
          AND (old.error IS NOT new.error OR old.started_at <> new.started_at OR old.status <> new.status OR old.type <> new.type) BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = old.id);
        DELETE FROM run_search_keys WHERE run_id = old.id;
        INSERT INTO run_search_keys (key, run_id)
          SELECT coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= new.started_at * 2097152 AND key < (new.started_at + 1) * 2097152),
            new.started_at * 2097152), new.id
          WHERE new.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = new.id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT key, coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status
          FROM run_search_keys WHERE run_id = new.id;
      END;
      CREATE TRIGGER run_search_delete AFTER DELETE ON runs WHEN old.status <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = old.id);
        DELETE FROM run_search_keys WHERE run_id = old.id;
      END;
      -- Output that changes after the run finished (late lines, a trim): the document again, with
      -- its key (a run that had no text gets one now; one left without text loses it).
      CREATE TRIGGER run_search_log_insert AFTER INSERT ON run_logs
        WHEN (SELECT status FROM runs WHERE id = new.run_id) <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = new.run_id);
        INSERT INTO run_search_keys (key, run_id)
          SELECT coalesce((SELECT max(key) + 1 FROM run_search_keys WHERE key >= r.started_at * 2097152 AND key < (r.started_at + 1) * 2097152),
            r.started_at * 2097152), r.id
          FROM runs r WHERE r.id = new.run_id AND NOT EXISTS (SELECT 1 FROM run_search_keys WHERE run_id = new.run_id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT k.key, coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
            't' || hex(r.type) || ' s' || r.status
          FROM run_search_keys k JOIN runs r ON r.id = k.run_id WHERE k.run_id = new.run_id;
      END;
      -- Not for a run being deleted: its lines go after it (its status reads NULL by then).
      CREATE TRIGGER run_search_log_delete AFTER DELETE ON run_logs
        WHEN (SELECT status FROM runs WHERE id = old.run_id) <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT key FROM run_search_keys WHERE run_id = old.run_id);
        DELETE FROM run_search_keys WHERE run_id = old.run_id
          AND (SELECT error FROM runs WHERE id = old.run_id) IS NULL AND NOT EXISTS (SELECT 1 FROM run_logs WHERE run_id = old.run_id);
        INSERT INTO run_search (rowid, text, facets)
          SELECT k.key, coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
            't' || hex(r.type) || ' s' || r.status
          FROM run_search_keys k JOIN runs r ON r.id = k.run_id WHERE k.run_id = old.run_id;
      END;
      -- The runs there already: keyed in start order, ties in id order.
      INSERT INTO run_search_keys (key, run_id)
        SELECT started_at * 2097152 + row_number() OVER (PARTITION BY started_at ORDER BY id) - 1, id
        FROM runs WHERE status <> 'running' AND (error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs l WHERE l.run_id = runs.id))
        ORDER BY 1;
      INSERT INTO run_search (rowid, text, facets)
        SELECT k.key, coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(l.text, char(10)) FROM run_logs l WHERE l.run_id = r.id), ''),
          't' || hex(r.type) || ' s' || r.status
        FROM run_search_keys k JOIN runs r ON r.id = k.run_id ORDER BY k.key;
    `,
})
