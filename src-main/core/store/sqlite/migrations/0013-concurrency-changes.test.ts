import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

describe('SQLite migration 13: concurrency changes', () => {
  it('an upgraded data dir records steps of the effective limit, never one over its maximum or under 1', () => {
    data = sqliteAtVersion(12)
    data.upgradeTo(13)
    const { db } = data
    const insert = db.prepare(`INSERT INTO concurrency_changes (at, from_n, to_n, max_n, reason) VALUES (?, ?, ?, ?, ?)`)
    insert.run(1_000, 4, 3, 4, 'CPU 85% over 80%')
    insert.run(2_000, 3, 2, 4, 'CPU 90% over 80%')
    expect(() => insert.run(3_000, 2, 5, 4, 'over the maximum')).toThrow(/CHECK/)
    expect(() => insert.run(3_000, 1, 0, 4, 'under one')).toThrow(/CHECK/)
    expect(db.prepare(`SELECT to_n, reason FROM concurrency_changes WHERE at >= ? ORDER BY at`).all(1_500)).toEqual([{ to_n: 2, reason: 'CPU 90% over 80%' }])
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM concurrency_changes WHERE at >= 1 AND at < 2 ORDER BY at`).all() as Array<{ detail: string }>
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/concurrency_changes_at/)
  })
})
