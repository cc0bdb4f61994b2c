import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

interface Row {
  finished_run: string | null
  finished: { id: string; status: string; failures: number; run_after: number | null; queued_at: number; finished_at: number | null; error: string | null } | null
  job: { id: string } | null
}

/** Four jobs in the lane `wide` (limit 2): `a` and `b` claimed by r1 under version 5 (runs `ra`, `rb`). */
async function withTwoRunning(): Promise<PgAtVersion> {
  const at = await pgAtVersion(5)
  await pgQueueJobs(at.client, ['a', 'b', 'c', 'd'].map((id) => ({ id, lane: 'wide' })))
  await at.client.query(`SELECT jobdeck.claim('r1', $1, 2, '{t}', '{"wide": 2}', '[]', 30000, '{ra,rb}')`, [Date.now()])
  return at
}

const finishAndClaim = (at: PgAtVersion, finishes: unknown[], now: number, max = 0): Promise<{ rows: Row[] }> =>
  at.client.query<Row>(
    `SELECT finished_run, finished, job FROM jobdeck.finish_and_claim($1, 'r1', $2, $3, '{t}', '{"wide": 2}', '[]', 30000, '{rc,rd}')`,
    [JSON.stringify(finishes), now, max],
  )

describe("PostgreSQL migration 6: a finish applies the runner's decision about the job", () => {
  it('a run claimed under version 5 is finished with the state the runner decided: a retry, a terminal state', async () => {
    data = await withTwoRunning()
    await data.upgradeTo(6)
    const now = Date.now()
    const { rows } = await finishAndClaim(
      data,
      [
        { runId: 'ra', status: 'failed', now, exitCode: 1, error: 'boom', jobStatus: 'retrying', failures: 1, runAfter: now + 60_000, jobError: 'boom' },
        { runId: 'rb', status: 'canceled', now, jobStatus: 'canceled', failures: 0, finishedAt: now, jobError: 'canceled by operator' },
      ],
      now,
      2,
    )
    expect(rows.map((r) => [r.finished_run, r.finished?.status ?? null, r.job?.id ?? null])).toEqual([
      [null, null, 'c'],
      [null, null, 'd'],
      ['ra', 'retrying', null],
      ['rb', 'canceled', null],
    ])
    expect(rows[2]?.finished).toMatchObject({ id: 'a', failures: 1, run_after: now + 60_000, queued_at: now + 60_000, finished_at: null, error: 'boom' })
    expect(rows[3]?.finished).toMatchObject({ id: 'b', failures: 0, run_after: null, finished_at: now, error: 'canceled by operator' })
    const runs = await data.client.query(`SELECT id, status, error, lease_until FROM jobdeck.runs WHERE id IN ('ra', 'rb') ORDER BY id`)
    expect(runs.rows).toEqual([
      { id: 'ra', status: 'failed', error: 'boom', lease_until: null },
      { id: 'rb', status: 'canceled', error: null, lease_until: null },
    ])
  })

  it("the fence holds: another runner's run, or one already finished, is not touched", async () => {
    data = await withTwoRunning()
    await data.upgradeTo(6)
    const now = Date.now()
    const done = { status: 'succeeded', now, jobStatus: 'succeeded', failures: 0, finishedAt: now, jobError: null }
    await data.client.query(`UPDATE jobdeck.runs SET runner_id = 'r2' WHERE id = 'rb'`)
    const first = await finishAndClaim(data, [{ runId: 'ra', ...done }, { runId: 'rb', ...done }, { runId: 'rx', ...done }], now)
    expect(first.rows.map((r) => [r.finished_run, r.finished?.id ?? null])).toEqual([
      ['ra', 'a'],
      ['rb', null],
      ['rx', null],
    ])
    const again = await finishAndClaim(data, [{ runId: 'ra', ...done, jobStatus: 'failed' }], now + 1)
    expect(again.rows.map((r) => [r.finished_run, r.finished])).toEqual([['ra', null]])
    const jobs = await data.client.query(`SELECT id, status FROM jobdeck.jobs WHERE id IN ('a', 'b') ORDER BY id`)
    expect(jobs.rows).toEqual([
      { id: 'a', status: 'succeeded' },
      { id: 'b', status: 'running' },
    ])
  })

  it('the finish that decided from retry delays is gone: one place decides', async () => {
    data = await withTwoRunning()
    await data.upgradeTo(6)
    const { rows } = await data.client.query(`SELECT proname FROM pg_proc WHERE pronamespace = 'jobdeck'::regnamespace AND proname LIKE 'finish%' ORDER BY 1`)
    expect(rows).toEqual([{ proname: 'finish_and_claim' }])
  })
})
