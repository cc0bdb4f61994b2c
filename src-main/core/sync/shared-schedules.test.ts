// Fires made while the shared database is unreachable: recorded locally with their job and one
// outbox entry, pushed when it is back, one per key; a key another instance took meanwhile makes
// nothing, and the local job leaves the cache.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../ids'
import type { FireWrite } from '../store/schedule-store'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { startTcpProxy, viaProxy } from '../test-support/tcp-proxy'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'

const CONFIG = `
jobs:
  quick:
    command: [node, scripts/sleep.js, "10"]
schedules:
  hourly:
    job: quick
    every: 1h
    timezone: UTC
`

let db: TestDatabase
let env: TestEnv

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_shared_fires')
})

afterAll(async () => {
  env?.cleanup()
  await new Promise((r) => setTimeout(r, 200))
  await db?.drop()
})

function write(scheduledFor: number): FireWrite {
  const id = newId()
  return {
    fire: { schedule: 'hourly', scheduledFor, firedAt: Date.now(), outcome: 'enqueued', reason: null, jobId: id },
    job: { id, type: 'quick', params: {}, priority: 'normal', lane: 'default', schedule: 'hourly' },
  }
}

describe('fires made offline', () => {
  it('wait in the outbox and reach the database once; a fire another instance made meanwhile is not made twice', async () => {
    const target = new URL(db.url)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    const direct = new pg.Client({ connectionString: db.url })
    await direct.connect()
    env = makeTestEnv(CONFIG)
    try {
      const core = env.open({ postgres: { url: viaProxy(db.url, proxy.port), source: 'flag' }, shared: { backoff: { baseMs: 50, maxMs: 500 }, pollMs: 200 }, log: () => {} })
      await core.ready()
      expect(core.connection().status).toBe('online')
      const store = core.link?.schedules
      if (!store) throw new Error('not in shared mode')
      proxy.cut()

      const mine = write(Date.UTC(2026, 0, 1, 10))
      const theirs = write(Date.UTC(2026, 0, 1, 11))
      // The first write after the cut finds out; the fires are recorded here all the same.
      expect((await store.record([mine, theirs], Date.now())).map((r) => r.job?.id)).toEqual([mine.job?.id, theirs.job?.id])
      expect(core.connection().status).toBe('offline')
      expect(core.connection().outboxPending).toBe(2)
      expect(core.store.getJob(mine.job?.id ?? '').status).toBe('queued')
      // Offline reads are the local copy.
      expect((await core.api['schedules.fires']({ limit: 10 })).map((f) => f.jobId)).toEqual([theirs.job?.id, mine.job?.id])

      // Meanwhile another instance made the 11:00 fire.
      const other = write(Date.UTC(2026, 0, 1, 11))
      await direct.query(
        `INSERT INTO jobdeck.schedule_fires (schedule, scheduled_for, fired_at, outcome, reason, job_id) VALUES ('hourly', $1, $2, 'enqueued', NULL, $3)`,
        [other.fire.scheduledFor, Date.now(), other.job?.id],
      )

      proxy.restore()
      await waitFor(() => core.connection().status === 'online' && core.connection().outboxPending === 0, 20_000, 'the outbox to be pushed')
      const fires = await direct.query<{ scheduled_for: number; job_id: string }>(
        `SELECT scheduled_for::float8 AS scheduled_for, job_id FROM jobdeck.schedule_fires ORDER BY scheduled_for`,
      )
      expect(fires.rows).toEqual([
        { scheduled_for: mine.fire.scheduledFor, job_id: mine.job?.id },
        { scheduled_for: theirs.fire.scheduledFor, job_id: other.job?.id },
      ])
      const jobs = await direct.query<{ id: string }>(`SELECT id FROM jobdeck.jobs WHERE schedule = 'hourly' ORDER BY id`)
      expect(jobs.rows.map((r) => r.id)).toEqual([mine.job?.id])
      // The job of the fire that lost never runs: it left this cache.
      expect(() => core.store.getJob(theirs.job?.id ?? '')).toThrow(/no job/)
      // Online, `fires` reads the shared database: the other instance's fire too.
      expect((await core.api['schedules.fires']({ limit: 10 })).map((f) => f.jobId)).toEqual([other.job?.id, mine.job?.id])
      await core.close()
    } finally {
      await direct.end()
      await proxy.close()
    }
  }, 60_000)
})
