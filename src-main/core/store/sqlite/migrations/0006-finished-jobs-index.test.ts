import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'
import { JobReads } from '../job-reads'
import { openDatabase } from '../open-database'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

/** A version 5 database with two failed jobs (one three days old) and a succeeded one. */
function withFinishedJobs(): SqliteAtVersion {
  const at = sqliteAtVersion(5)
  const insert = at.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, finished_at, seq)
    VALUES (?, 't', '{}', 0, 'x', ?, 1, 1, 1, ?, 1)`)
  insert.run('old', 'failed', Date.now() - 3 * 86_400_000)
  insert.run('new', 'failed', Date.now() - 3_600_000)
  insert.run('ok', 'succeeded', Date.now() - 3_600_000)
  insert.run('waiting', 'queued', null)
  return at
}

describe('SQLite migration 6: finished jobs by status and time', () => {
  it('indexes existing finished jobs by status, newest first, and leaves unfinished ones out', () => {
    data = withFinishedJobs()
    data.upgradeTo(6)
    const { db } = data
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE status = 'failed' AND finished_at IS NOT NULL
      ORDER BY finished_at DESC, id DESC`).all() as Array<{ detail: string }>
    expect(plan.map((p) => p.detail).join(' ')).toContain('jobs_status_finished')
    const rows = db.prepare(`SELECT id FROM jobs INDEXED BY jobs_status_finished WHERE status = 'failed' AND finished_at IS NOT NULL
      ORDER BY finished_at DESC, id DESC`).all()
    expect(rows).toEqual([{ id: 'new' }, { id: 'old' }])
  })

  it('jobs.list on a version 5 database opened by the current store finds the failures of a day', () => {
    data = withFinishedJobs()
    data.close()
    const upgraded = openDatabase(data.file)
    try {
      expect(upgraded.prepare(`SELECT name FROM sqlite_master WHERE name = 'jobs_status_finished'`).get()).toBeTruthy()
      const page = new JobReads(upgraded).list({ status: 'failed', since: Date.now() - 86_400_000, limit: 10, countUpTo: 100 })
      expect(page.jobs.map((j) => j.id)).toEqual(['new'])
      expect(page.count).toBe(1)
    } finally {
      upgraded.close()
    }
  })
})
