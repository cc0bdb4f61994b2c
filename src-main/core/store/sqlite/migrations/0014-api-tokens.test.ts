import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

const HASH = 'a'.repeat(64)

describe('SQLite migration 14: api tokens', () => {
  it('an upgraded data dir keeps one token per name and per hash, with a known role and a hex SHA-256 only', () => {
    data = sqliteAtVersion(13)
    data.upgradeTo(14)
    const { db } = data
    const insert = db.prepare(`INSERT INTO api_tokens (name, role, hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)`)
    insert.run('ci-bot', 'operator', HASH, 1_000, 'cli:ana@box', null)
    expect(() => insert.run('ci-bot', 'viewer', 'b'.repeat(64), 2_000, 'desktop', null)).toThrow(/UNIQUE/)
    expect(() => insert.run('other', 'viewer', HASH, 2_000, 'desktop', null)).toThrow(/UNIQUE/)
    expect(() => insert.run('root', 'superuser', 'c'.repeat(64), 2_000, 'desktop', null)).toThrow(/CHECK/)
    expect(() => insert.run('clear', 'viewer', 'jdk_not-a-hash-but-a-secret-of-sixty-four-characters-long-0123', 2_000, 'desktop', null)).toThrow(/CHECK/)
    expect(() => insert.run('upper', 'viewer', 'A'.repeat(64), 2_000, 'desktop', null)).toThrow(/CHECK/)
    db.prepare(`UPDATE api_tokens SET revoked_at = 3000, last_used_at = 2500 WHERE name = 'ci-bot'`).run()
    expect(db.prepare(`SELECT name, role, created_by, expires_at, last_used_at, revoked_at FROM api_tokens`).all()).toEqual([
      { name: 'ci-bot', role: 'operator', created_by: 'cli:ana@box', expires_at: null, last_used_at: 2500, revoked_at: 3000 },
    ])
  })
})
