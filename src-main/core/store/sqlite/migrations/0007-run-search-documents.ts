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
      -- a token for the run's type (hex of its name) and status, so those filters are FTS terms
      -- too; run_id (stored, not indexed) says whose document it is.
      -- Contentless: the text is in runs and run_logs already (a search reads it again for the
      -- snippets and the per-line check of several words). Running runs have no document, nor
      -- has a run without an error or output (no search can match it): most runs of a busy
      -- queue, which so write nothing here. It gets one when it gets text.
      -- A run's document is found by its start and id: rowid range of its millisecond, then run_id.
      CREATE VIRTUAL TABLE run_search USING fts5 (text, facets, run_id UNINDEXED,
        content = '', contentless_delete = 1, contentless_unindexed = 1, detail = column);
      CREATE TRIGGER run_search_finish AFTER UPDATE OF status ON runs
        WHEN old.status = 'running' AND new.status <> 'running'
          AND (new.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = new.id)) BEGIN
        INSERT INTO run_search (rowid, text, facets, run_id) VALUES (
          coalesce((SELECT max(rowid) + 1 FROM run_search WHERE rowid >= new.started_at * 2097152 AND rowid < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
          't' || hex(new.type) || ' s' || new.status, new.id);
      END;
      -- The shared-mode cache receives runs that are already finished (their output, if any, after them).
      CREATE TRIGGER run_search_insert_finished AFTER INSERT ON runs
        WHEN new.status <> 'running' AND (new.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = new.id)) BEGIN
        INSERT INTO run_search (rowid, text, facets, run_id) VALUES (
          coalesce((SELECT max(rowid) + 1 FROM run_search WHERE rowid >= new.started_at * 2097152 AND rowid < (new.started_at + 1) * 2097152),
            new.started_at * 2097152),
          coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
          't' || hex(new.type) || ' s' || new.status, new.id);
      END;
      -- A finished run changed (the cache mirrors a correction): its document again, keyed anew,
      -- or none if it has no text now.
      CREATE TRIGGER run_search_update AFTER UPDATE OF error, started_at, status, type ON runs
        WHEN old.status <> 'running' AND new.status <> 'running'
          AND (old.error IS NOT new.error OR old.started_at <> new.started_at OR old.status <> new.status OR old.type <> new.type) BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT rowid FROM run_search
          WHERE rowid >= old.started_at * 2097152 AND rowid < (old.started_at + 1) * 2097152 AND run_id = old.id);
        INSERT INTO run_search (rowid, text, facets, run_id)
          SELECT coalesce((SELECT max(rowid) + 1 FROM run_search WHERE rowid >= new.started_at * 2097152 AND rowid < (new.started_at + 1) * 2097152),
              new.started_at * 2097152),
            coalesce(new.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = new.id), ''),
            't' || hex(new.type) || ' s' || new.status, new.id
          WHERE new.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = new.id);
      END;
      CREATE TRIGGER run_search_delete AFTER DELETE ON runs WHEN old.status <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT rowid FROM run_search
          WHERE rowid >= old.started_at * 2097152 AND rowid < (old.started_at + 1) * 2097152 AND run_id = old.id);
      END;
      -- Output that changes after the run finished (late lines, a trim): the document again (a
      -- run that had no text gets one now; one left without text has none).
      CREATE TRIGGER run_search_log_insert AFTER INSERT ON run_logs
        WHEN (SELECT status FROM runs WHERE id = new.run_id) <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT s.rowid FROM runs r, run_search s
          WHERE r.id = new.run_id AND s.rowid >= r.started_at * 2097152 AND s.rowid < (r.started_at + 1) * 2097152 AND s.run_id = r.id);
        INSERT INTO run_search (rowid, text, facets, run_id)
          SELECT coalesce((SELECT max(rowid) + 1 FROM run_search WHERE rowid >= r.started_at * 2097152 AND rowid < (r.started_at + 1) * 2097152),
              r.started_at * 2097152),
            coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
            't' || hex(r.type) || ' s' || r.status, r.id
          FROM runs r WHERE r.id = new.run_id;
      END;
      -- Not for a run being deleted: its lines go after it (its status reads NULL by then).
      CREATE TRIGGER run_search_log_delete AFTER DELETE ON run_logs
        WHEN (SELECT status FROM runs WHERE id = old.run_id) <> 'running' BEGIN
        DELETE FROM run_search WHERE rowid = (SELECT s.rowid FROM runs r, run_search s
          WHERE r.id = old.run_id AND s.rowid >= r.started_at * 2097152 AND s.rowid < (r.started_at + 1) * 2097152 AND s.run_id = r.id);
        INSERT INTO run_search (rowid, text, facets, run_id)
          SELECT coalesce((SELECT max(rowid) + 1 FROM run_search WHERE rowid >= r.started_at * 2097152 AND rowid < (r.started_at + 1) * 2097152),
              r.started_at * 2097152),
            coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
            't' || hex(r.type) || ' s' || r.status, r.id
          FROM runs r WHERE r.id = old.run_id AND (r.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = r.id));
      END;
      -- The runs there already: keyed in start order, ties in id order.
      INSERT INTO run_search (rowid, text, facets, run_id)
        SELECT started_at * 2097152 + row_number() OVER (PARTITION BY started_at ORDER BY id) - 1,
          coalesce(error, '') || char(10) || coalesce((SELECT group_concat(l.text, char(10)) FROM run_logs l WHERE l.run_id = runs.id), ''),
          't' || hex(type) || ' s' || status, id
        FROM runs WHERE status <> 'running' AND (error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs l WHERE l.run_id = runs.id))
        ORDER BY 1;
    `,
})
