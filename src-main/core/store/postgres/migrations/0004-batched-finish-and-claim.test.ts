import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

interface Row {
  finished_run: string | null
  finished: { id: string; status: string; run_after: number | null; error: string | null } | null
  job: { id: string } | null
  run: { id: string } | null
}

/** Four jobs in the lane `wide` (limit 2): `a` and `b` claimed by r1 under version 3. */
async function withTwoRunning(): Promise<PgAtVersion> {
  const at = await pgAtVersion(3)
  await pgQueueJobs(at.client, ['a', 'b', 'c', 'd'].map((id) => ({ id, lane: 'wide' })))
  await at.client.query(`SELECT jobdeck.claim('r1', $1, 2, '{t}', '{"wide": 2}', '[]', 30000, '{ra,rb}')`, [Date.now()])
  return at
}

describe('PostgreSQL migration 4: results pushed in batches with the claim of the slots they free', () => {
  it('drops runs_started, which no statement reads', async () => {
    data = await withTwoRunning()
    const exists = `SELECT to_regclass('jobdeck.runs_started') IS NOT NULL AS exists`
    expect((await data.client.query(exists)).rows).toEqual([{ exists: true }])
    await data.upgradeTo(4)
    expect((await data.client.query(exists)).rows).toEqual([{ exists: false }])
  })

  it('records every result given, fenced, and claims the slots they free in the same statement', async () => {
    data = await withTwoRunning()
    await data.upgradeTo(4)
    const now = Date.now()
    const finishes = [
      { runId: 'ra', status: 'succeeded', now, exitCode: 0, retryDelays: [] },
      { runId: 'rb', status: 'failed', now, exitCode: 1, error: 'boom', retryDelays: [60_000] },
      // Not this runner's (rescued, or never claimed): fenced.
      { runId: 'rx', status: 'succeeded', now, retryDelays: [] },
    ]
    const { rows } = await data.client.query<Row>(
      `SELECT finished_run, finished, job, run FROM jobdeck.finish_and_claim($1, 'r1', $2, 2, '{t}', '{"wide": 2}', '[]', 30000, '{rc,rd}')`,
      [JSON.stringify(finishes), now],
    )
    expect(rows.map((r) => [r.finished_run, r.finished?.id ?? null, r.finished?.status ?? null, r.job?.id ?? null, r.run?.id ?? null])).toEqual([
      [null, null, null, 'c', 'rc'],
      [null, null, null, 'd', 'rd'],
      ['ra', 'a', 'succeeded', null, null],
      ['rb', 'b', 'retrying', null, null],
      ['rx', null, null, null, null],
    ])
    expect(rows[3]?.finished).toMatchObject({ run_after: now + 60_000, error: 'boom' })
    const runs = await data.client.query(`SELECT id, status FROM jobdeck.runs ORDER BY id`)
    expect(runs.rows).toEqual([
      { id: 'ra', status: 'succeeded' },
      { id: 'rb', status: 'failed' },
      { id: 'rc', status: 'running' },
      { id: 'rd', status: 'running' },
    ])
  })
})
