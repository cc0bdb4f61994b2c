import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './postgres'

describe('test PostgreSQL', () => {
  let db: TestDatabase | null = null
  afterAll(async () => db?.drop())

  it('gives each test file its own database on a real server', async () => {
    db = await createTestDatabase()
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const { rows } = await client.query<{ db: string; version: string }>('SELECT current_database() AS db, version() AS version')
    await client.end()
    expect(rows[0]?.db).toBe(db.name)
    expect(rows[0]?.version).toMatch(/PostgreSQL \d+/)
  })
})
