import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

interface Row {
  finished: { id: string; status: string } | null
  job: { id: string } | null
  run: { id: string; runner_id: string } | null
}

/** Two jobs in the limit-1 lane `seq`: `a` claimed by r1 (run `ra`) under version 2, `b` waiting. */
async function withRunningRun(): Promise<PgAtVersion> {
  const at = await pgAtVersion(2)
  await pgQueueJobs(at.client, [{ id: 'a', lane: 'seq' }, { id: 'b', lane: 'seq' }])
  await at.client.query(`SELECT jobdeck.claim('r1', $1, 1, '{t}', '{}', '[]', 30000, '{ra}')`, [Date.now()])
  return at
}

/** Version 3's finish_and_claim(): a success of `runId` by `runner`, and up to one claim. */
async function finishAndClaim(client: pg.ClientBase, runId: string, runner: string, nextRunId: string): Promise<Row[]> {
  const { rows } = await client.query<Row>(
    `SELECT finished, job, run FROM jobdeck.finish_and_claim($1, $2, 'succeeded', $3, 0, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, '{}', NULL, 1, '{t}', '{}', '[]', 30000, $4)`,
    [runId, runner, Date.now(), [nextRunId]],
  )
  return rows
}

describe('PostgreSQL migration 3: finish and claim the next runs in one statement; claims wait for their lanes', () => {
  it('a run claimed before it finishes in the same statement that claims the next job of its limit-1 lane', async () => {
    data = await withRunningRun()
    await data.upgradeTo(3)
    const rows = await finishAndClaim(data.client, 'ra', 'r1', 'rb')
    expect(rows.map((r) => [r.finished?.id ?? null, r.finished?.status ?? null, r.job?.id ?? null, r.run?.id ?? null])).toEqual([
      [null, null, 'b', 'rb'],
      ['a', 'succeeded', null, null],
    ])
  })

  it('a runner that no longer owns the run finishes nothing and takes no slot for it', async () => {
    data = await withRunningRun()
    await data.upgradeTo(3)
    expect(await finishAndClaim(data.client, 'ra', 'r2', 'rb')).toEqual([{ finished: null, job: null, run: null }])
    const { rows } = await data.client.query(`SELECT id, status FROM jobdeck.jobs ORDER BY id`)
    expect(rows).toEqual([{ id: 'a', status: 'running' }, { id: 'b', status: 'queued' }])
  })

  it('a claim waits for a lane another transaction holds, then claims in it (it skipped the lane before)', async () => {
    data = await pgAtVersion(2)
    await data.upgradeTo(3)
    await pgQueueJobs(data.client, [{ id: 'a', lane: 'seq' }])
    const holder = await data.connect()
    await holder.query('BEGIN')
    await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('jobdeck.lane:seq', 0))`)
    const pid = (await data.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid
    let answered = false
    const claiming = data.client.query(`SELECT job FROM jobdeck.claim('r1', $1, 1, '{t}', '{}', '[]', 30000, '{ra}')`, [Date.now()])
    const answer = (): void => void (answered = true)
    claiming.then(answer, answer)
    // Until the claim waits on the lane's lock (or, skipping the lane, has answered already).
    while (!answered) {
      const { rows } = await holder.query<{ wait: string | null }>(`SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1`, [pid])
      if (rows[0]?.wait === 'Lock') break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await holder.query('COMMIT')
    expect((await claiming).rows).toEqual([{ job: expect.objectContaining({ id: 'a', status: 'running' }) }])
  })
})
