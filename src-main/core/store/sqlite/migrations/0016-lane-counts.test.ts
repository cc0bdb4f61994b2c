import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

type Db = SqliteAtVersion['db']

function insertJob(db: Db, id: string, lane: string, status: string, source: string | null = null): void {
  db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq, source, source_id)
    VALUES (?, ?, '{}', 0, ?, ?, 1, 1, 1, 1, ?, ?)`).run(id, source ? `${source}/t` : 't', lane, status, source, source ? id : null)
}

const counted = (db: Db): Record<string, number> =>
  Object.fromEntries((db.prepare(`SELECT lane, waiting FROM lane_counts ORDER BY lane`).all() as Array<{ lane: string; waiting: number }>).map((r) => [r.lane, r.waiting]))

/** What the scrape counted before version 16: the ready index's jobs, per lane. */
const recounted = (db: Db): Record<string, number> =>
  Object.fromEntries((db.prepare(`SELECT lane, count(*) AS n FROM jobs INDEXED BY jobs_ready
    WHERE status IN ('queued','retrying') AND source IS NULL GROUP BY lane ORDER BY lane`).all() as Array<{ lane: string; n: number }>).map((r) => [r.lane, r.n]))

describe('SQLite migration 16: lane counts', () => {
  it('an upgraded data dir counts the waiting jobs it already had, per lane: its own queued and retrying, not a source\'s nor finished ones', () => {
    data = sqliteAtVersion(15)
    const { db } = data
    insertJob(db, 'a1', 'dealer:1', 'queued')
    insertJob(db, 'a2', 'dealer:1', 'retrying')
    insertJob(db, 'a3', 'dealer:1', 'running')
    insertJob(db, 'b1', 'default', 'queued')
    insertJob(db, 'c1', 'dealer:2', 'succeeded')
    insertJob(db, 'm1', 'legacy', 'queued', 'legacy')
    data.upgradeTo(16)
    expect(counted(data.db)).toEqual({ 'dealer:1': 2, default: 1 })
  })

  it('every way a job enters or leaves the queue keeps the count equal to the waiting jobs, and an emptied lane has no row', () => {
    data = sqliteAtVersion(16)
    const { db } = data
    insertJob(db, 'j1', 'x', 'queued')
    insertJob(db, 'j2', 'x', 'queued')
    insertJob(db, 'j3', 'y', 'queued')
    insertJob(db, 'm1', 'x', 'queued', 'legacy')
    expect(counted(db)).toEqual({ x: 2, y: 1 })
    const setStatus = db.prepare(`UPDATE jobs SET status = ? WHERE id = ?`)
    setStatus.run('running', 'j1') // claimed
    setStatus.run('running', 'm1') // a source's row moves: not a lane of this queue
    expect(counted(db)).toEqual({ x: 1, y: 1 })
    setStatus.run('retrying', 'j1') // failed, waits for its retry
    setStatus.run('queued', 'j1') // retry now: still waiting, counted once
    expect(counted(db)).toEqual({ x: 2, y: 1 })
    db.prepare(`UPDATE jobs SET priority = 2 WHERE id = 'j2'`).run()
    setStatus.run('canceled', 'j3')
    expect(counted(db)).toEqual({ x: 2 })
    db.prepare(`UPDATE jobs SET lane = 'z' WHERE id = 'j2'`).run()
    expect(counted(db)).toEqual({ x: 1, z: 1 })
    db.prepare(`DELETE FROM jobs WHERE id IN ('j1', 'j3', 'm1')`).run()
    expect(counted(db)).toEqual({ z: 1 })
    expect(() => db.prepare(`INSERT INTO lane_counts (lane, waiting) VALUES ('empty', 0)`).run()).toThrow(/CHECK/)
  })

  it('a long mix of enqueues, claims, retries, finishes and deletes leaves the counts equal to a count of the waiting jobs', () => {
    data = sqliteAtVersion(16)
    const { db } = data
    let seed = 17
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    const statuses = ['queued', 'retrying', 'running', 'succeeded', 'failed', 'canceled']
    const ids: string[] = []
    for (let step = 0; step < 2_000; step++) {
      const action = next(10)
      if (action < 3 || ids.length === 0) {
        const id = `j${step}`
        insertJob(db, id, `lane:${next(7)}`, statuses[next(3)] ?? 'queued', next(5) === 0 ? 'legacy' : null)
        ids.push(id)
      } else if (action < 9) {
        db.prepare(`UPDATE jobs SET status = ? WHERE id = ?`).run(statuses[next(statuses.length)], ids[next(ids.length)])
      } else {
        db.prepare(`DELETE FROM jobs WHERE id = ?`).run(ids.splice(next(ids.length), 1)[0])
      }
    }
    expect(Object.keys(recounted(db)).length).toBeGreaterThan(3)
    expect(counted(db)).toEqual(recounted(db))
  })
})
