import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'
import { openDatabase } from '../open-database'
import { SqliteStore } from '../sqlite-store'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

function withFinishedRun(version: number): SqliteAtVersion {
  const at = sqliteAtVersion(version)
  at.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
    VALUES ('j1', 't', '{}', 0, 'x', 'succeeded', 1, 1, 1, 1)`).run()
  at.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq)
    VALUES ('r1', 'j1', 't', 'x', '{}', 1, 'succeeded', 1, 2, 3, 'old', 1)`).run()
  return at
}

describe('SQLite migration 2: resource monitoring', () => {
  it('adds host samples, per-minute aggregates and run usage; existing runs get empty usage columns', () => {
    data = withFinishedRun(1)
    data.upgradeTo(2)
    const { db } = data
    expect(db.pragma('user_version', { simple: true })).toBe(2)
    expect(db.prepare(`SELECT peak_rss_bytes, cpu_seconds FROM runs WHERE id = 'r1'`).get()).toEqual({ peak_rss_bytes: null, cpu_seconds: null })
    db.prepare(`INSERT INTO host_samples (at, cpu, mem_used, mem_total, detail) VALUES (1000, 0.5, 1, 2, '{}')`).run()
    db.prepare(`INSERT INTO host_minutes (minute, samples, cpu_min, cpu_avg, cpu_max, mem_min, mem_avg, mem_max)
      VALUES (0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5)`).run()
    db.prepare(`INSERT INTO run_usage (run_id, at, cpu, rss) VALUES ('r1', 2, 0.25, 1024)`).run()
    // Usage goes with its run.
    db.prepare(`DELETE FROM runs WHERE id = 'r1'`).run()
    expect(db.prepare(`SELECT count(*) AS n FROM run_usage`).get()).toEqual({ n: 0 })
  })

  it('a version 1 database keeps its runs, and the current store reads them', () => {
    data = withFinishedRun(1)
    data.upgradeTo(2)
    expect(data.db.pragma('user_version', { simple: true })).toBe(2)
    data.close()
    const upgraded = openDatabase(data.file)
    const store = new SqliteStore(upgraded)
    try {
      const run = store.getRun('r1')
      expect(run.status).toBe('succeeded')
      expect([run.peakRssBytes, run.cpuSeconds]).toEqual([null, null])
      const tables = (upgraded.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name)
      expect(tables).toEqual(expect.arrayContaining(['host_samples', 'host_minutes', 'run_usage']))
    } finally {
      store.close()
      upgraded.close()
    }
  })
})
