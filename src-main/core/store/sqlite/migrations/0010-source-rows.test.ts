import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

const plan = (db: SqliteAtVersion['db'], sql: string): string =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((p) => p.detail).join(' ')

describe('SQLite migration 10: source rows', () => {
  it('jobs and runs of version 9 read as Jobdeck\'s own, and stay in the ready and running indexes', () => {
    data = sqliteAtVersion(9)
    data.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('own', 't', '{}', 0, 'x', 'queued', 1, 1, 1, 1)`).run()
    data.upgradeTo(10)
    const { db } = data
    expect(db.prepare(`SELECT source, source_id FROM jobs WHERE id = 'own'`).get()).toEqual({ source: null, source_id: null })
    expect(db.prepare(`SELECT id FROM jobs INDEXED BY jobs_ready WHERE status IN ('queued','retrying') AND source IS NULL`).all()).toEqual([{ id: 'own' }])
  })

  it('a mirrored row is in neither the ready nor the running index, and is unique per (source, source id)', () => {
    data = sqliteAtVersion(10)
    const { db } = data
    const insertJob = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq, source, source_id)
      VALUES (?, 'legacy/report', '{}', 0, 'legacy', ?, 1, 1, 1, 1, 'legacy', ?)`)
    insertJob.run('legacy:1', 'queued', '1')
    insertJob.run('legacy:2', 'running', '2')
    expect(() => insertJob.run('legacy:other', 'queued', '1')).toThrow(/UNIQUE/)
    db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq, source, source_id, start_kind)
      VALUES ('legacy:2/run', 'legacy:2', 'legacy/report', 'legacy', '{}', 1, 'running', 1, 5, 'source:legacy', 2, 'legacy', '2', 'observed')`).run()
    expect(db.prepare(`SELECT count(*) AS n FROM jobs INDEXED BY jobs_ready WHERE status IN ('queued','retrying') AND source IS NULL`).get()).toEqual({ n: 0 })
    expect(db.prepare(`SELECT count(*) AS n FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL`).get()).toEqual({ n: 0 })
    expect(db.prepare(`SELECT id, start_kind FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source IS NOT NULL`).all()).toEqual([
      { id: 'legacy:2/run', start_kind: 'observed' },
    ])
    expect(() => db.prepare(`UPDATE runs SET start_kind = 'guessed'`).run()).toThrow(/CHECK/)
    expect(plan(db, `SELECT id FROM jobs WHERE source = 'legacy' AND status IN ('queued','retrying','running') ORDER BY created_at`)).toContain('jobs_source_unfinished')
    expect(plan(db, `SELECT id FROM runs WHERE source = 'legacy' ORDER BY started_at DESC, id DESC LIMIT 10`)).toContain('runs_source_started')
  })

  it('a source keeps one state row: its mapping digest and resume point', () => {
    data = sqliteAtVersion(10)
    const { db } = data
    db.prepare(`INSERT INTO source_state (name, mapping, watermark) VALUES ('legacy', 'abc', '{"at":1}')`).run()
    expect(() => db.prepare(`INSERT INTO source_state (name, mapping) VALUES ('legacy', 'def')`).run()).toThrow(/UNIQUE|PRIMARY/)
    expect(db.prepare(`SELECT backfilled, unmapped FROM source_state`).get()).toEqual({ backfilled: 0, unmapped: '[]' })
  })
})
