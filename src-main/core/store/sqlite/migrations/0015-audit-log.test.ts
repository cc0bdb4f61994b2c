import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

describe('SQLite migration 15: audit log', () => {
  it('an upgraded data dir keeps audit records, refuses more than 20 targets or a long summary, and reads newest first by index', () => {
    // 14 is the token store's (issue 17): this one depends on nothing of it.
    data = sqliteAtVersion(14)
    data.upgradeTo(15)
    const { db } = data
    const insert = db.prepare(`INSERT INTO audit_log (id, at, who, role, method, targets, target_count, summary, outcome, message, pending)
      VALUES (@id, @at, @who, @role, @method, @targets, @count, @summary, @outcome, @message, @pending)`)
    const row = { id: 'A1', at: 1_000, who: 'desktop', role: 'admin', method: 'jobs.cancel', targets: '["J1"]', count: 1, summary: 'id=J1', outcome: 'ok', message: null, pending: 0 }
    insert.run(row)
    insert.run({ ...row, id: 'A2', at: 2_000, who: 'ops-bot', role: 'operator', pending: 1 })
    expect(() => insert.run({ ...row, id: 'A3', targets: JSON.stringify(Array.from({ length: 21 }, (_, i) => `J${i}`)), count: 21 })).toThrow(/CHECK/)
    expect(() => insert.run({ ...row, id: 'A3', summary: 'x'.repeat(201) })).toThrow(/CHECK/)
    expect(() => insert.run({ ...row, id: 'A3', role: 'root' })).toThrow(/CHECK/)
    expect(() => insert.run({ ...row, id: 'A3', targets: 'not json' })).toThrow(/CHECK/)
    expect(() => insert.run(row)).toThrow(/UNIQUE|PRIMARY/)
    expect(db.prepare(`SELECT id FROM audit_log ORDER BY at DESC, id DESC`).pluck().all()).toEqual(['A2', 'A1'])
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((p) => p.detail).join(' ')
    expect(plan(`SELECT * FROM audit_log WHERE at < 5 ORDER BY at DESC, id DESC LIMIT 10`)).toMatch(/audit_log_newest/)
    expect(plan(`SELECT * FROM audit_log WHERE who = 'x' ORDER BY at DESC, id DESC LIMIT 10`)).toMatch(/audit_log_who/)
    expect(plan(`SELECT * FROM audit_log WHERE pending = 1 ORDER BY at LIMIT 10`)).toMatch(/audit_log_pending/)
  })
})
