import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

/** Two jobs in their own lanes, claimed by `r-v4` under version 4 (runs `ra`, `rb`). */
async function withTwoRunning(): Promise<PgAtVersion> {
  const at = await pgAtVersion(4)
  await pgQueueJobs(at.client, [{ id: 'a', lane: 'x' }, { id: 'b', lane: 'y' }])
  await at.client.query(`SELECT jobdeck.claim('r-v4', $1, 2, '{t}', '{}', '[]', 30000, '{ra,rb}')`, [Date.now()])
  return at
}

describe('PostgreSQL migration 5: processes a run left behind; a rescue takes only the runs it was given', () => {
  it('a version 4 run gets 0 processes stopped, and a finish records how many were stopped', async () => {
    data = await withTwoRunning()
    await data.upgradeTo(5)
    const stopped = `SELECT processes_stopped AS n, status FROM jobdeck.runs WHERE id = 'ra'`
    expect((await data.client.query(stopped)).rows).toEqual([{ n: 0, status: 'running' }])
    const finishes = [{ runId: 'ra', status: 'succeeded', now: Date.now(), exitCode: 0, retryDelays: [], processesStopped: 3 }]
    const { rows } = await data.client.query<{ finished: { id: string } | null }>(
      `SELECT finished FROM jobdeck.finish_and_claim($1, 'r-v4', $2, 0, '{}', '{}', '[]', 0, '{}')`,
      [JSON.stringify(finishes), Date.now()],
    )
    expect(rows.map((r) => r.finished?.id ?? null)).toEqual(['a'])
    expect((await data.client.query(stopped)).rows).toEqual([{ n: 3, status: 'succeeded' }])
  })

  it('a result without a count of stopped processes (an older runner) records 0', async () => {
    data = await withTwoRunning()
    await data.upgradeTo(5)
    const finishes = [{ runId: 'rb', status: 'succeeded', now: Date.now(), retryDelays: [] }]
    await data.client.query(`SELECT jobdeck.finish_and_claim($1, 'r-v4', $2, 0, '{}', '{}', '[]', 0, '{}')`, [JSON.stringify(finishes), Date.now()])
    expect((await data.client.query(`SELECT processes_stopped AS n, status FROM jobdeck.runs WHERE id = 'rb'`)).rows).toEqual([{ n: 0, status: 'succeeded' }])
  })

  it('a rescue takes only the runs it was given, though more leases have expired', async () => {
    data = await withTwoRunning()
    await data.upgradeTo(5)
    await data.client.query(`UPDATE jobdeck.runs SET lease_until = 0`)
    const { rows } = await data.client.query<{ job: { id: string; status: string }; run: { id: string; status: string } }>(
      `SELECT job, run FROM jobdeck.rescue($1, '{}', 3, '{ra}')`,
      [Date.now()],
    )
    expect(rows.map((r) => [r.run.id, r.run.status, r.job.status])).toEqual([['ra', 'interrupted', 'queued']])
    const left = await data.client.query(`SELECT id, status FROM jobdeck.runs ORDER BY id`)
    expect(left.rows).toEqual([{ id: 'ra', status: 'interrupted' }, { id: 'rb', status: 'running' }])
  })
})
