import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

/** Version 1's counters: five jobs of type `old`, one run to success (in pid % 16 shards). */
async function withVersion1Counts(): Promise<PgAtVersion> {
  const at = await pgAtVersion(1)
  await pgQueueJobs(at.client, ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, lane: id, type: 'old' })))
  const startedAt = Date.now()
  await at.client.query(`SELECT jobdeck.claim('r1', $1, 1, '{old}', '{}', '[]', 30000, '{ra}')`, [startedAt])
  await at.client.query(
    `SELECT jobdeck.finish('ra', 'r1', 'succeeded', $1, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', NULL)`,
    [startedAt + 500],
  )
  return at
}

describe('PostgreSQL migration 2: counter shards per backend; claims walk jobs_ready in order', () => {
  it('counts in rows of the backend that changed the job', async () => {
    data = await withVersion1Counts()
    await data.upgradeTo(2)
    await pgQueueJobs(data.client, [{ id: 'n1', lane: 'n', type: 'new' }])
    const { rows } = await data.client.query(
      `SELECT shard = pg_backend_pid() AS own, n FROM jobdeck.job_counts WHERE type = 'new'`,
    )
    expect(rows).toEqual([{ own: true, n: '1' }])
  })

  it('compact_counts() folds rows of backends that ended (the old pid % 16 shards too) into shard 0, keeping every count', async () => {
    data = await withVersion1Counts()
    const sums = `SELECT status, sum(n)::int AS n FROM jobdeck.job_counts WHERE type = 'old' GROUP BY status HAVING sum(n) <> 0 ORDER BY status`
    const before = (await data.client.query(sums)).rows
    expect(before).toEqual([{ status: 'queued', n: 4 }, { status: 'succeeded', n: 1 }])
    await data.upgradeTo(2)
    const live = await data.connect()
    await pgQueueJobs(live, [{ id: 'n1', lane: 'n', type: 'new' }])
    await data.client.query('SELECT jobdeck.compact_counts()')
    expect((await data.client.query(sums)).rows).toEqual(before)
    expect((await data.client.query(`SELECT DISTINCT shard FROM jobdeck.job_counts WHERE type = 'old'`)).rows).toEqual([{ shard: 0 }])
    const stats = await data.client.query(`SELECT shard, runs::int, succeeded::int, duration_sum::int FROM jobdeck.type_stats WHERE type = 'old'`)
    expect(stats.rows).toEqual([{ shard: 0, runs: 1, succeeded: 1, duration_sum: 500 }])
    // A backend still connected keeps its own rows.
    const own = await live.query(`SELECT shard = pg_backend_pid() AS own FROM jobdeck.job_counts WHERE type = 'new'`)
    expect(own.rows).toEqual([{ own: true }])
  })

  it('claim() runs with sorting off, so it walks jobs_ready in order even without statistics', async () => {
    data = await pgAtVersion(1)
    const config = `SELECT proconfig FROM pg_proc WHERE oid = 'jobdeck.claim(text, bigint, int, text[], jsonb, jsonb, bigint, text[])'::regprocedure`
    expect((await data.client.query(config)).rows).toEqual([{ proconfig: null }])
    await data.upgradeTo(2)
    expect((await data.client.query(config)).rows).toEqual([{ proconfig: ['enable_sort=off'] }])
  })
})
