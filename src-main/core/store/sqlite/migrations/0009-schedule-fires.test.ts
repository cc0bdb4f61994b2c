import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

describe('SQLite migration 9: schedule fires', () => {
  it('a fire is keyed by (schedule, scheduled time): the same key twice inserts nothing', () => {
    data = sqliteAtVersion(8)
    data.upgradeTo(9)
    const insert = data.db.prepare(`INSERT INTO schedule_fires (schedule, scheduled_for, fired_at, outcome, reason, job_id)
      VALUES (?, ?, ?, ?, NULL, NULL) ON CONFLICT (schedule, scheduled_for) DO NOTHING`)
    expect(insert.run('nightly', 1_000, 1_001, 'missed').changes).toBe(1)
    expect(insert.run('nightly', 1_000, 2_000, 'enqueued').changes).toBe(0)
    expect(insert.run('other', 1_000, 1_001, 'enqueued').changes).toBe(1)
    expect(() => insert.run('nightly', 2_000, 2_000, 'lost')).toThrow(/CHECK/)
    expect(data.db.prepare(`SELECT schedule, outcome FROM schedule_fires ORDER BY schedule`).all()).toEqual([
      { schedule: 'nightly', outcome: 'missed' },
      { schedule: 'other', outcome: 'enqueued' },
    ])
  })

  it('jobs of version 8 read as enqueued by hand; the unfinished jobs of a schedule are found by index', () => {
    data = sqliteAtVersion(8)
    data.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('old', 't', '{}', 0, 'x', 'queued', 1, 1, 1, 1)`).run()
    data.upgradeTo(9)
    const { db } = data
    expect(db.prepare(`SELECT schedule FROM jobs WHERE id = 'old'`).get()).toEqual({ schedule: null })
    db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq, schedule)
      VALUES ('fired', 't', '{}', 0, 'x', 'running', 2, 2, 2, 2, 'nightly')`).run()
    const query = `SELECT id FROM jobs WHERE schedule = 'nightly' AND status IN ('queued','retrying','running') ORDER BY created_at DESC LIMIT 1`
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as Array<{ detail: string }>).map((p) => p.detail).join(' ')
    expect(plan).toContain('jobs_schedule_unfinished')
    expect(db.prepare(query).all()).toEqual([{ id: 'fired' }])
  })

  it('the outbox keeps its entries and takes fires made offline', () => {
    data = sqliteAtVersion(8)
    data.db.prepare(`INSERT INTO outbox (kind, ref, payload, created_at) VALUES ('finish', 'r1', '{}', 5)`).run()
    expect(() => data?.db.prepare(`INSERT INTO outbox (kind, payload, created_at) VALUES ('fire', '{}', 6)`).run()).toThrow(/CHECK/)
    data.upgradeTo(9)
    const { db } = data
    db.prepare(`INSERT INTO outbox (kind, payload, created_at) VALUES ('fire', '{}', 6)`).run()
    expect(db.prepare(`SELECT id, kind, ref, created_at FROM outbox ORDER BY id`).all()).toEqual([
      { id: 1, kind: 'finish', ref: 'r1', created_at: 5 },
      { id: 2, kind: 'fire', ref: null, created_at: 6 },
    ])
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'outbox_ref'`).get()).toBeTruthy()
  })
})
