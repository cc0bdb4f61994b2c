import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

const names = (rows: unknown[]): string[] => (rows as Array<{ name: string }>).map((r) => r.name)

describe('SQLite migration 1: queue and history', () => {
  it('creates the queue, history, counters and lock tables at user_version 1', () => {
    data = sqliteAtVersion(0)
    data.upgradeTo(1)
    const { db } = data
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    const tables = names(db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).all())
    expect(tables).toEqual(expect.arrayContaining(['meta', 'jobs', 'runs', 'run_logs', 'job_counts', 'runner_lock']))
    expect(db.prepare(`SELECT key, value FROM meta ORDER BY key`).all()).toEqual([
      { key: 'paused', value: '0' },
      { key: 'seq', value: '0' },
    ])
  })

  it('keeps job counts per type and status as jobs are added, change status and are deleted', () => {
    data = sqliteAtVersion(1)
    const { db } = data
    const insert = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES (?, 'export', '{}', 0, 'x', 'queued', 1, 1, 1, 1)`)
    for (const id of ['j1', 'j2', 'j3']) insert.run(id)
    db.prepare(`UPDATE jobs SET status = 'running' WHERE id = 'j1'`).run()
    db.prepare(`UPDATE jobs SET status = 'queued' WHERE id = 'j2'`).run()
    db.prepare(`DELETE FROM jobs WHERE id = 'j3'`).run()
    const counts = db.prepare(`SELECT status, n FROM job_counts WHERE type = 'export' AND n <> 0 ORDER BY status`).all()
    expect(counts).toEqual([
      { status: 'queued', n: 1 },
      { status: 'running', n: 1 },
    ])
  })

  it('refuses a status it does not know, and a second runner lock', () => {
    data = sqliteAtVersion(1)
    const { db } = data
    expect(() =>
      db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
        VALUES ('j1', 't', '{}', 0, 'x', 'paused', 1, 1, 1, 1)`).run(),
    ).toThrow(/CHECK constraint failed/)
    db.prepare(`INSERT INTO runner_lock (id, runner_id, pid, host, started_at, heartbeat_at) VALUES (1, 'r1', 1, 'h', 1, 1)`).run()
    expect(() =>
      db.prepare(`INSERT INTO runner_lock (id, runner_id, pid, host, started_at, heartbeat_at) VALUES (2, 'r2', 2, 'h', 1, 1)`).run(),
    ).toThrow(/CHECK constraint failed/)
  })

  it('deleting a job deletes its runs and their output', () => {
    data = sqliteAtVersion(1)
    const { db } = data
    db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('j1', 't', '{}', 0, 'x', 'succeeded', 1, 1, 1, 1)`).run()
    db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq)
      VALUES ('r1', 'j1', 't', 'x', '{}', 1, 'succeeded', 1, 2, 3, 'old', 1)`).run()
    db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES ('r1', 'stdout', 2, 'hello')`).run()
    db.prepare(`DELETE FROM jobs WHERE id = 'j1'`).run()
    expect(db.prepare(`SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM run_logs) AS n`).get()).toEqual({ n: 0 })
  })
})
