import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { bucketList, bucketedRuns } from '../../../../src-shared/domain'
import { timelineTally } from './timeline-tally'

describe('timelineTally', () => {
  const db = new Database(':memory:')
  db.exec(`CREATE TABLE r (row TEXT, started_at INTEGER, status TEXT)`)
  const insert = db.prepare(`INSERT INTO r VALUES (?, ?, ?)`)
  for (const [row, at, status] of [
    ['a', 5, 'succeeded'],
    ['a', 7, 'failed'],
    ['b', 12, 'succeeded'],
    ['a', 25, 'succeeded'],
    ['a', 9, 'succeeded'],
  ] as const)
    insert.run(row, at, status)
  const tally = timelineTally(db)

  it('counts runs per row, bucket and status, also when they come out of start order', () => {
    const st = db.prepare(`SELECT timeline_tally(row, started_at / 10, status) FROM r`)
    const { buckets, runs } = tally(10, () => st.get())
    expect(runs).toBe(5)
    expect(bucketedRuns(buckets)).toBe(5)
    const a = buckets.find((b) => b.row === 'a')
    expect(a && bucketList(a)).toEqual([
      { start: 0, end: 10, count: 3, byStatus: { succeeded: 2, failed: 1 } },
      { start: 20, end: 30, count: 1, byStatus: { succeeded: 1 } },
    ])
    expect(buckets.map((b) => b.row).sort()).toEqual(['a', 'b'])
  })

  it('is registered once per connection, and says so when a status is not a run status', () => {
    expect(timelineTally(db)).toBe(tally)
    insert.run('c', 1, 'bogus')
    const st = db.prepare(`SELECT timeline_tally(row, started_at / 10, status) FROM r`)
    expect(() => tally(10, () => st.get())).toThrow('unknown status "bogus"')
    expect(() => st.get()).toThrow('only called through timelineTally')
  })
})
