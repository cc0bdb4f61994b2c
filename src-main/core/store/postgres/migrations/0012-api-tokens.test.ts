import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

const HASH = 'a'.repeat(64)
const INSERT = `INSERT INTO jobdeck.api_tokens (name, role, hash, created_at, created_by) VALUES ($1, $2, $3, 1000, 'desktop')`

describe('PostgreSQL migration 12: api tokens', () => {
  it('keeps one token per name and per hash, with a known role and a hex SHA-256 only', async () => {
    data = await pgAtVersion(11)
    await data.upgradeTo(12)
    const { client } = data
    await client.query(INSERT, ['ci-bot', 'operator', HASH])
    await expect(client.query(INSERT, ['ci-bot', 'viewer', 'b'.repeat(64)])).rejects.toThrow(/api_tokens_pkey/)
    await expect(client.query(INSERT, ['other', 'viewer', HASH])).rejects.toThrow(/api_tokens_hash_key/)
    await expect(client.query(INSERT, ['root', 'superuser', 'c'.repeat(64)])).rejects.toThrow(/api_tokens_role_check/)
    await expect(client.query(INSERT, ['clear', 'viewer', 'jdk_' + 'x'.repeat(60)])).rejects.toThrow(/api_tokens_hash_check/)
    const { rows } = await client.query(`SELECT name, role, expires_at, last_used_at, revoked_at FROM jobdeck.api_tokens`)
    expect(rows).toEqual([{ name: 'ci-bot', role: 'operator', expires_at: null, last_used_at: null, revoked_at: null }])
  })
})
