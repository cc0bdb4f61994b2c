import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

/** A version 3 history with one finished run, already counted in type_stats. */
function withHistory(): SqliteAtVersion {
  const at = sqliteAtVersion(3)
  at.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
    VALUES ('j1', 't', '{}', 0, 'x', 'succeeded', 1, 1, 1, 1)`).run()
  at.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq)
    VALUES ('r1', 'j1', 't', 'x', '{}', 1, 'running', 1, 1000, NULL, 'old', 1)`).run()
  at.db.prepare(`UPDATE runs SET status = 'succeeded', finished_at = 3000 WHERE id = 'r1'`).run()
  return at
}

const insertRun = (data: SqliteAtVersion, id: string, status: string, startedAt: number, finishedAt: number | null): void => {
  data.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq)
    VALUES (?, 'j1', 't', 'x', '{}', 1, ?, 1, ?, ?, 'mirrored', 2)`).run(id, status, startedAt, finishedAt)
}

describe('SQLite migration 4: shared-mode cache and outbox', () => {
  it('adds the outbox of enqueues, finishes and output made offline, indexed by the run it finishes', () => {
    data = withHistory()
    data.upgradeTo(4)
    const { db } = data
    expect(db.pragma('user_version', { simple: true })).toBe(4)
    const add = db.prepare(`INSERT INTO outbox (kind, ref, payload, created_at) VALUES (?, ?, '{}', 1)`)
    add.run('enqueue', null)
    add.run('finish', 'r1')
    add.run('logs', null)
    expect(() => add.run('delete', null)).toThrow(/CHECK constraint failed/)
    expect(db.prepare(`SELECT kind FROM outbox ORDER BY id`).all()).toEqual([{ kind: 'enqueue' }, { kind: 'finish' }, { kind: 'logs' }])
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE ref = 'r1'`).all() as Array<{ detail: string }>
    expect(plan.map((p) => p.detail).join(' ')).toContain('outbox_ref')
  })

  it('counts runs the cache receives already finished in the per-type stats, keeping the stats it had', () => {
    data = withHistory()
    data.upgradeTo(4)
    const stats = () => data?.db.prepare(`SELECT runs, succeeded, failed, duration_sum, max_duration, last_run_id FROM type_stats WHERE type = 't'`).get()
    expect(stats()).toEqual({ runs: 1, succeeded: 1, failed: 0, duration_sum: 2000, max_duration: 2000, last_run_id: 'r1' })
    insertRun(data, 'r2', 'failed', 5000, 9000)
    expect(stats()).toEqual({ runs: 2, succeeded: 1, failed: 1, duration_sum: 6000, max_duration: 4000, last_run_id: 'r2' })
    // A running run mirrored in is counted once, when it finishes, as before.
    insertRun(data, 'r3', 'running', 10000, null)
    expect(stats()).toMatchObject({ runs: 2, last_run_id: 'r2' })
    data.db.prepare(`UPDATE runs SET status = 'succeeded', finished_at = 11000 WHERE id = 'r3'`).run()
    expect(stats()).toEqual({ runs: 3, succeeded: 2, failed: 1, duration_sum: 7000, max_duration: 4000, last_run_id: 'r3' })
  })

  it('before it, a run received already finished was not counted (what the trigger is for)', () => {
    data = withHistory()
    insertRun(data, 'r2', 'failed', 5000, 9000)
    expect(data.db.prepare(`SELECT runs FROM type_stats WHERE type = 't'`).get()).toEqual({ runs: 1 })
  })
})
