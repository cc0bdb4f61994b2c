// SQLite, version 16: the waiting jobs of each lane, maintained by triggers as job_counts is, so
// /metrics reads a lane's queue depth as a lookup (it counted the waiting jobs at every scrape:
// 130 ms at 100,000 waiting). Waiting means what the ready index holds: Jobdeck's own jobs
// (not a source's mirrored rows) queued or retrying. A lane with none has no row (a lane exists
// per dealer or per customer: rows for every lane ever used would grow without end).
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0016 = Object.freeze({
  version: 16,
  name: 'lane counts',
  sql: `
      CREATE TABLE lane_counts (
        lane TEXT NOT NULL PRIMARY KEY,
        waiting INTEGER NOT NULL CHECK (waiting > 0)
      ) WITHOUT ROWID;
      INSERT INTO lane_counts (lane, waiting)
        SELECT lane, count(*) FROM jobs WHERE status IN ('queued','retrying') AND source IS NULL GROUP BY lane;

      CREATE TRIGGER lane_counts_insert AFTER INSERT ON jobs
        WHEN new.status IN ('queued','retrying') AND new.source IS NULL BEGIN
        INSERT INTO lane_counts (lane, waiting) VALUES (new.lane, 1)
          ON CONFLICT (lane) DO UPDATE SET waiting = waiting + 1;
      END;
      -- The last waiting job of a lane takes the row with it; otherwise one fewer.
      CREATE TRIGGER lane_counts_delete AFTER DELETE ON jobs
        WHEN old.status IN ('queued','retrying') AND old.source IS NULL BEGIN
        DELETE FROM lane_counts WHERE lane = old.lane AND waiting = 1;
        UPDATE lane_counts SET waiting = waiting - 1 WHERE lane = old.lane;
      END;
      -- Only a change in or out of waiting (queued to running, running to retrying, …) or of lane:
      -- a finish, progress or a priority change costs nothing here.
      CREATE TRIGGER lane_counts_update AFTER UPDATE OF status, lane, source ON jobs
        WHEN (old.status IN ('queued','retrying') AND old.source IS NULL) IS NOT (new.status IN ('queued','retrying') AND new.source IS NULL)
          OR old.lane IS NOT new.lane BEGIN
        DELETE FROM lane_counts WHERE lane = old.lane AND waiting = 1
          AND old.status IN ('queued','retrying') AND old.source IS NULL;
        UPDATE lane_counts SET waiting = waiting - 1 WHERE lane = old.lane
          AND old.status IN ('queued','retrying') AND old.source IS NULL;
        INSERT INTO lane_counts (lane, waiting) SELECT new.lane, 1
          WHERE new.status IN ('queued','retrying') AND new.source IS NULL
          ON CONFLICT (lane) DO UPDATE SET waiting = waiting + 1;
      END;
`,
})
