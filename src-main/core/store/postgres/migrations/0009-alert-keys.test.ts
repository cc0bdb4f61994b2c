import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

const CLAIM = `INSERT INTO jobdeck.alert_keys (key, instance) VALUES ($1, $2)
  ON CONFLICT (key) DO UPDATE SET at = jobdeck.alert_keys.at WHERE jobdeck.alert_keys.instance = excluded.instance RETURNING key`

describe('PostgreSQL migration 9: alert keys', () => {
  it('an alert key is won by one instance across sessions; the winner claiming again wins again, another never', async () => {
    data = await pgAtVersion(8)
    await data.upgradeTo(9)
    const other = await data.connect()
    expect((await data.client.query(CLAIM, ['failed:j1:r1', 'a'])).rowCount).toBe(1)
    expect((await other.query(CLAIM, ['failed:j1:r1', 'b'])).rowCount).toBe(0)
    expect((await data.client.query(CLAIM, ['failed:j1:r1', 'a'])).rowCount).toBe(1)
    expect((await data.client.query(`SELECT key, instance FROM jobdeck.alert_keys`)).rows).toEqual([{ key: 'failed:j1:r1', instance: 'a' }])
  })

  it('a snooze is one row per type', async () => {
    data = await pgAtVersion(9)
    await data.client.query(`INSERT INTO jobdeck.alert_snoozes (type, until, by) VALUES ('sync', 10, NULL)`)
    await expect(data.client.query(`INSERT INTO jobdeck.alert_snoozes (type, until, by) VALUES ('sync', 20, 'ops')`)).rejects.toThrow(/duplicate key/)
  })
})
