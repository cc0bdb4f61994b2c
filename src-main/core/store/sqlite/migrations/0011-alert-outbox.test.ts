import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

describe('SQLite migration 11: alert outbox', () => {
  it('the rules start reading history from the seq of the upgrade: an old failure is not alerted after an upgrade', () => {
    data = sqliteAtVersion(10)
    data.db.prepare(`UPDATE meta SET value = '42' WHERE key = 'seq'`).run()
    data.upgradeTo(11)
    expect(data.db.prepare(`SELECT value FROM meta WHERE key = 'alerts.seq'`).get()).toEqual({ value: '42' })
  })

  it('an alert is kept once per (key, channel), and a delivery takes its rows with it when deleted', () => {
    data = sqliteAtVersion(11)
    const { db } = data
    const insert = db.prepare(`INSERT INTO alert_outbox (key, channel, rule, payload, created_at) VALUES (?, ?, 0, '{}', 1)`)
    insert.run('failed:j1:r1', 'ops')
    insert.run('failed:j1:r1', 'oncall')
    expect(() => insert.run('failed:j1:r1', 'ops')).toThrow(/UNIQUE/)
    const delivery = db
      .prepare(`INSERT INTO alert_deliveries (channel, kind, title, alerts, status, created_at, next_attempt_at) VALUES ('ops', 'webhook', 't', 1, 'pending', 1, 1)`)
      .run().lastInsertRowid
    db.prepare(`UPDATE alert_outbox SET delivery_id = ? WHERE channel = 'ops'`).run(delivery)
    expect(db.prepare(`SELECT channel FROM alert_outbox WHERE delivery_id IS NULL`).all()).toEqual([{ channel: 'oncall' }])
    expect(() => db.prepare(`UPDATE alert_deliveries SET status = 'lost'`).run()).toThrow(/CHECK/)
    db.pragma('foreign_keys = ON')
    db.prepare(`DELETE FROM alert_deliveries WHERE id = ?`).run(delivery)
    expect(db.prepare(`SELECT count(*) AS n FROM alert_outbox`).get()).toEqual({ n: 1 })
  })
})
