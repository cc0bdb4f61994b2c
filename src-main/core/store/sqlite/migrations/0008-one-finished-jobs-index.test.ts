import { afterEach, describe, expect, it } from 'vitest'
import { TERMINAL_JOB_STATUSES } from '../../../../../src-shared/domain'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

const CLEAR = `SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?
  AND status IN (${TERMINAL_JOB_STATUSES.map((s) => `'${s}'`).join(',')}) LIMIT 500`

describe('SQLite migration 8: one index of finished jobs', () => {
  it('drops jobs_finished; clearing finished jobs before a time is served by jobs_status_finished and finds the same jobs', () => {
    data = sqliteAtVersion(7)
    const insert = data.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, finished_at, seq)
      VALUES (?, 't', '{}', 0, 'x', ?, 1, 1, 1, ?, 1)`)
    insert.run('old-failed', 'failed', 1_000)
    insert.run('old-ok', 'succeeded', 2_000)
    insert.run('new-ok', 'succeeded', 9_000)
    insert.run('waiting', 'queued', null)
    const before = data.db.prepare(CLEAR).all(5_000)
    data.upgradeTo(8)
    const { db } = data
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'jobs_finished'`).get()).toBeUndefined()
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${CLEAR}`).all(5_000) as Array<{ detail: string }>).map((p) => p.detail).join(' ')
    expect(plan).toContain('jobs_status_finished')
    expect(db.prepare(CLEAR).all(5_000)).toEqual(before)
    expect((before as Array<{ id: string }>).map((r) => r.id).sort()).toEqual(['old-failed', 'old-ok'])
  })
})
