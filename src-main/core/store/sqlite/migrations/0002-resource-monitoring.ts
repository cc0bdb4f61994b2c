// SQLite cache, version 2: host samples and per-minute aggregates, a run's process-tree usage.
// Released, so frozen: never edit it (migrations.test.ts holds its hash); add a new version.
export const migration0002 = Object.freeze({
  version: 2,
  name: 'resource monitoring',
  sql: `
      -- Raw host samples: the last hour (pruned). \`detail\` holds per-core CPU, load and disks.
      CREATE TABLE host_samples (
        at INTEGER PRIMARY KEY,
        cpu REAL NOT NULL,
        mem_used INTEGER NOT NULL,
        mem_total INTEGER NOT NULL,
        swap_used INTEGER,
        swap_total INTEGER,
        load1 REAL,
        disk_max REAL,
        detail TEXT NOT NULL
      );
      -- Per-minute min/avg/max: 30 days (pruned); a day is one range scan of the primary key.
      CREATE TABLE host_minutes (
        minute INTEGER PRIMARY KEY,
        samples INTEGER NOT NULL,
        cpu_min REAL NOT NULL, cpu_avg REAL NOT NULL, cpu_max REAL NOT NULL,
        mem_min REAL NOT NULL, mem_avg REAL NOT NULL, mem_max REAL NOT NULL,
        disk_max REAL
      );
      -- A run's process tree over time; goes with the run.
      CREATE TABLE run_usage (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        cpu REAL NOT NULL,
        rss INTEGER NOT NULL,
        PRIMARY KEY (run_id, at)
      ) WITHOUT ROWID;
      ALTER TABLE runs ADD COLUMN peak_rss_bytes INTEGER;
      ALTER TABLE runs ADD COLUMN cpu_seconds REAL;
    `,
})
