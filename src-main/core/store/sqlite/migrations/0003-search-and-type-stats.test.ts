import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'
import { openDatabase } from '../open-database'
import { SqliteStore } from '../sqlite-store'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

/** A version 2 history: a failed run with an error, a succeeded one with output. */
function withHistory(): SqliteAtVersion {
  const at = sqliteAtVersion(2)
  at.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
    VALUES ('j1', 't', '{}', 0, 'x', 'failed', 1, 1, 1, 1)`).run()
  const run = at.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, error)
    VALUES (?, 'j1', 't', 'x', '{}', ?, ?, 1, ?, ?, 'old', 1, ?)`)
  run.run('r1', 1, 'failed', 1000, 4000, 'exit code 2: warehouse unreachable')
  run.run('r2', 2, 'succeeded', 5000, 6000, null)
  at.db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES ('r2', 'stdout', 1, 'fetched page 4 of 10')`).run()
  return at
}

const runIdsMatching = (data: SqliteAtVersion, table: 'log_fts' | 'error_fts', query: string): string[] => {
  const sql = table === 'log_fts'
    ? `SELECT l.run_id AS id FROM log_fts JOIN run_logs l ON l.id = log_fts.rowid WHERE log_fts MATCH ?`
    : `SELECT r.id FROM error_fts JOIN runs r ON r.rowid = error_fts.rowid WHERE error_fts MATCH ?`
  return (data.db.prepare(sql).all(query) as Array<{ id: string }>).map((r) => r.id)
}

describe('SQLite migration 3: search and per-type stats', () => {
  it('indexes existing output and errors for search, and keeps indexing new ones', () => {
    data = withHistory()
    data.upgradeTo(3)
    expect(runIdsMatching(data, 'error_fts', 'warehouse')).toEqual(['r1'])
    expect(runIdsMatching(data, 'log_fts', '"page 4"')).toEqual(['r2'])
    data.db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES ('r1', 'stderr', 2, 'retrying the warehouse')`).run()
    data.db.prepare(`UPDATE runs SET error = 'exit code 3: disk full' WHERE id = 'r2'`).run()
    expect(runIdsMatching(data, 'log_fts', 'warehouse')).toEqual(['r1'])
    expect(runIdsMatching(data, 'error_fts', 'disk')).toEqual(['r2'])
    data.db.prepare(`UPDATE runs SET error = NULL WHERE id = 'r1'`).run()
    expect(runIdsMatching(data, 'error_fts', 'warehouse')).toEqual([])
  })

  it('builds per-type stats from existing runs, then counts each run as it finishes', () => {
    data = withHistory()
    data.upgradeTo(3)
    const stats = () => data?.db.prepare(`SELECT runs, succeeded, failed, duration_sum, max_duration, last_run_id FROM type_stats WHERE type = 't'`).get()
    expect(stats()).toEqual({ runs: 2, succeeded: 1, failed: 1, duration_sum: 4000, max_duration: 3000, last_run_id: null })
    data.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq)
      VALUES ('r3', 'j1', 't', 'x', '{}', 3, 'running', 1, 10000, 'new', 2)`).run()
    data.db.prepare(`UPDATE runs SET status = 'succeeded', finished_at = 15000 WHERE id = 'r3'`).run()
    expect(stats()).toEqual({ runs: 3, succeeded: 2, failed: 1, duration_sum: 9000, max_duration: 5000, last_run_id: 'r3' })
    data.db.prepare(`DELETE FROM runs WHERE id = 'r1'`).run()
    expect(stats()).toMatchObject({ runs: 2, failed: 0, duration_sum: 6000 })
  })

  it('adds the history and timeline indexes', () => {
    data = withHistory()
    data.upgradeTo(3)
    const indexes = (data.db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'runs'`).all() as Array<{ name: string }>).map((r) => r.name)
    expect(indexes).toEqual(expect.arrayContaining(['runs_type_status_started', 'runs_timeline']))
  })

  it('a version 2 database opened by the current store finds its errors and output and has its stats', () => {
    data = withHistory()
    data.close()
    const upgraded = openDatabase(data.file)
    const store = new SqliteStore(upgraded)
    try {
      expect(store.listRuns({ limit: 10, search: 'warehouse' }).map((r) => r.id)).toEqual(['r1'])
      expect(store.listRuns({ limit: 10, search: 'page 4' }).map((r) => r.id)).toEqual(['r2'])
      const [stats] = store.typeStats()
      expect(stats).toMatchObject({ type: 't', runs: 2, succeeded: 1, failed: 1, avgDurationMs: 2000 })
    } finally {
      store.close()
      upgraded.close()
    }
  })
})
