import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

const INSERT_FIRE = `INSERT INTO jobdeck.schedule_fires (schedule, scheduled_for, fired_at, outcome, reason, job_id)
  VALUES ($1, $2, $3, $4, NULL, NULL) ON CONFLICT (schedule, scheduled_for) DO NOTHING RETURNING schedule`

describe('PostgreSQL migration 8: schedule fires', () => {
  it('a fire is keyed by (schedule, scheduled time) across sessions: the second writer of a key inserts nothing', async () => {
    data = await pgAtVersion(7)
    await data.upgradeTo(8)
    const other = await data.connect()
    expect((await data.client.query(INSERT_FIRE, ['nightly', 1_000, 1_001, 'enqueued'])).rowCount).toBe(1)
    expect((await other.query(INSERT_FIRE, ['nightly', 1_000, 1_002, 'enqueued'])).rowCount).toBe(0)
    expect((await other.query(INSERT_FIRE, ['nightly', 2_000, 2_001, 'missed'])).rowCount).toBe(1)
    await expect(data.client.query(INSERT_FIRE, ['nightly', 3_000, 3_000, 'lost'])).rejects.toThrow(/check constraint/)
    const { rows } = await data.client.query(`SELECT schedule, scheduled_for::int8 AS at, outcome FROM jobdeck.schedule_fires ORDER BY scheduled_for`)
    expect(rows).toEqual([
      { schedule: 'nightly', at: '1000', outcome: 'enqueued' },
      { schedule: 'nightly', at: '2000', outcome: 'missed' },
    ])
  })

  it('jobs of version 7 read as enqueued by hand; a pause is one row per schedule', async () => {
    data = await pgAtVersion(7)
    await pgQueueJobs(data.client, [{ id: 'old', lane: 'x' }])
    await data.upgradeTo(8)
    expect((await data.client.query(`SELECT schedule FROM jobdeck.jobs WHERE id = 'old'`)).rows).toEqual([{ schedule: null }])
    await data.client.query(`INSERT INTO jobdeck.schedule_pauses (schedule, paused_at, until) VALUES ('nightly', 1, NULL)`)
    await expect(data.client.query(`INSERT INTO jobdeck.schedule_pauses (schedule, paused_at, until) VALUES ('nightly', 2, 3)`)).rejects.toThrow(/duplicate key/)
  })
})
