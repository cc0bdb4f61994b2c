// Retention in shared mode, on a real PostgreSQL: one instance at a time applies it to the
// shared database (advisory lock), never to unfinished work, and every cache follows, holding
// at most what the database holds.
import { describe, expect, it } from 'vitest'
import pg from 'pg'
import type { Core } from '../core'
import { useSharedDatabase } from '../test-support/shared-instances'
import { waitFor } from '../test-support/test-env'
import { DAY } from '../test-support/retention-history'
import { RETENTION_LOCK_KEY } from './pg-retention'

const shared = useSharedDatabase('jobdeck_retention')

const CONFIG = `
jobs:
  quick:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 20 }
retention:
  succeeded: 7d
  keepLast: 0
`

function instance(): Core {
  return shared.open(shared.env(CONFIG), { retentionFirstPassMs: 3_600_000 })
}

const cachedIds = (core: Core): string[] => (core.store.db.prepare(`SELECT id FROM jobs ORDER BY id`).pluck().all() as string[])
const cachedFinishedAt = (core: Core, id: string): number | null => {
  try {
    const at = core.store.getJob(id).finishedAt
    return at ? Date.parse(at) : null
  } catch {
    return null
  }
}

describe('retention in shared mode', () => {
  it('one instance at a time applies it to PostgreSQL, never to a running job, and every cache keeps at most what PostgreSQL has', async () => {
    const a = instance()
    const b = instance()
    // C never runs retention: its cache follows the shared database's deletes through its sync alone.
    const c = instance()
    await Promise.all([a.ready(), b.ready(), c.ready()])
    a.startRunner()
    const done = []
    for (let i = 0; i < 6; i++) done.push(await a.api['jobs.enqueue']({ type: 'quick', params: {} }))
    const ids = done.map((j) => j.id)
    await waitFor(() => ids.every((id) => cachedFinishedAt(a, id) !== null), 30_000, 'the jobs to finish')
    const running = await a.api['jobs.enqueue']({ type: 'quick', params: { ms: 6000 } })
    await waitFor(() => a.store.getJob(running.id).status === 'running', 30_000, 'the long job to start')

    const client = new pg.Client({ connectionString: shared.db.url })
    await client.connect()
    try {
      const old = Date.now() - 30 * DAY
      const doomed = ids.slice(0, 4)
      await client.query(`UPDATE jobdeck.jobs SET finished_at = $1, created_at = $1, tx = pg_current_xact_id() WHERE id = ANY ($2)`, [old, doomed])
      await client.query(`UPDATE jobdeck.jobs SET created_at = $1, queued_at = $1, tx = pg_current_xact_id() WHERE id = $2`, [old, running.id])
      await client.query(`SELECT pg_notify('jobdeck', 'jobs')`)
      for (const core of [a, b, c]) await waitFor(() => doomed.every((id) => cachedFinishedAt(core, id) === old), 20_000, 'the caches to pull the old finishes')
      const inPg = async (): Promise<string[]> => (await client.query<{ id: string }>(`SELECT id FROM jobdeck.jobs ORDER BY id`)).rows.map((r) => r.id)

      // Another session holds retention's lock: this instance only applies the policy to its cache.
      await client.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY])
      const followed = await a.api['retention.run']({})
      expect(followed).toMatchObject({ scope: 'cache', error: null, deleted: { jobs: 4 } })
      expect(await inPg()).toHaveLength(7)
      await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY])

      const applied = await b.api['retention.run']({})
      expect(applied).toMatchObject({ scope: 'shared', error: null, deleted: { jobs: 4, runs: 4 } })
      const left = await inPg()
      expect(left).toEqual([...ids.slice(4), running.id].sort())
      const recorded = await client.query<{ ids: string[] }>(`SELECT job_ids AS ids FROM jobdeck.retention_deletes`)
      expect(recorded.rows.flatMap((r) => r.ids).sort()).toEqual([...doomed].sort())
      // Counters in PostgreSQL follow the deletes.
      const counted = await client.query<{ n: string }>(`SELECT sum(n)::int8 AS n FROM jobdeck.job_counts WHERE type = 'quick'`)
      expect(Number(counted.rows[0]?.n)).toBe(3)

      for (const core of [a, b, c]) {
        await waitFor(() => cachedIds(core).every((id) => left.includes(id)), 20_000, 'the cache to follow the deletes')
        expect(cachedIds(core)).toEqual(left)
      }
    } finally {
      await client.end()
    }
    await waitFor(() => a.store.getJob(running.id).status === 'succeeded', 30_000, 'the long job to finish')
    await Promise.all([a.close(), b.close(), c.close()])
  })
})
