import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'
import { openDatabase } from '../open-database'
import { SqliteStore } from '../sqlite-store'
import { terminal } from '../../../model/transitions'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

/** A version 4 database with one run still running. */
function withRunningRun(): SqliteAtVersion {
  const at = sqliteAtVersion(4)
  at.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
    VALUES ('j1', 't', '{}', 0, 'x', 'running', 1, 1, 1, 1)`).run()
  at.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq)
    VALUES ('r1', 'j1', 't', 'x', '{}', 1, 'running', 1, 1000, 'old', 1)`).run()
  return at
}

describe('SQLite migration 5: processes a run left behind', () => {
  it('gives existing runs a count of stopped processes of 0, and new runs too unless told', () => {
    data = withRunningRun()
    data.upgradeTo(5)
    const { db } = data
    expect(db.prepare(`SELECT processes_stopped FROM runs WHERE id = 'r1'`).get()).toEqual({ processes_stopped: 0 })
    db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq)
      VALUES ('r2', 'j1', 't', 'x', '{}', 2, 'running', 1, 2000, 'new', 2)`).run()
    db.prepare(`UPDATE runs SET processes_stopped = 4 WHERE id = 'r2'`).run()
    expect(db.prepare(`SELECT id, processes_stopped AS n FROM runs ORDER BY id`).all()).toEqual([
      { id: 'r1', n: 0 },
      { id: 'r2', n: 4 },
    ])
  })

  it('a version 4 run finished by the current store records how many processes were stopped', () => {
    data = withRunningRun()
    data.close()
    const upgraded = openDatabase(data.file)
    const store = new SqliteStore(upgraded)
    try {
      expect(store.getRun('r1').processesStopped).toBe(0)
      store.finish({
        runId: 'r1', runnerId: 'old', now: 2000, outcome: 'succeeded', exitCode: 0, signal: null, error: null,
        progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null,
        processesStopped: 200, transition: terminal('succeeded', 0, 2000, null),
      })
      expect(store.getRun('r1')).toMatchObject({ status: 'succeeded', processesStopped: 200 })
    } finally {
      store.close()
      upgraded.close()
    }
  })
})
