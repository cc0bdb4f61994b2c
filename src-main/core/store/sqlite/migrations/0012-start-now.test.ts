import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

describe('SQLite migration 12: start now', () => {
  it('jobs and runs of an older data dir read as not asked and not bypassed; the flags are 0 or 1 only', () => {
    data = sqliteAtVersion(11)
    data.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('j1', 't', '{}', 1, 'default', 'queued', 1, 1, 1, 1)`).run()
    data.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq)
      VALUES ('r1', 'j1', 't', 'default', '{}', 1, 'running', 1, 2, 'r', 1)`).run()
    data.upgradeTo(12)
    expect(data.db.prepare(`SELECT start_now FROM jobs`).get()).toEqual({ start_now: 0 })
    expect(data.db.prepare(`SELECT gate_bypassed FROM runs`).get()).toEqual({ gate_bypassed: 0 })
    expect(() => data?.db.prepare(`UPDATE jobs SET start_now = 2`).run()).toThrow(/CHECK/)
    expect(() => data?.db.prepare(`UPDATE runs SET gate_bypassed = 2`).run()).toThrow(/CHECK/)
  })
})
