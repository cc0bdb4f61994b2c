import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

describe('PostgreSQL migration 11: retention deletes', () => {
  it('records each batch of deleted job ids with the transaction that deleted them, for caches to read by tx', async () => {
    data = await pgAtVersion(10)
    await data.upgradeTo(11)
    const { client } = data
    await client.query(`INSERT INTO jobdeck.retention_deletes (job_ids, at) VALUES ($1, 1000)`, [['a', 'b']])
    const { rows } = await client.query(`SELECT job_ids, at::int8 AS at, tx = pg_current_xact_id() AS mine FROM jobdeck.retention_deletes`)
    expect(rows).toEqual([{ job_ids: ['a', 'b'], at: '1000', mine: false }])
    await expect(client.query(`INSERT INTO jobdeck.retention_deletes (job_ids, at) VALUES (NULL, 1)`)).rejects.toThrow(/null value/)
  })
})
