import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

const EXACT = '{}'
const PATTERNS = JSON.stringify([['crm:%', 5]])

/** Claims up to `max` of type t at `now` under `rates`; the lanes of what it claimed. */
async function claim(at: PgAtVersion, now: number, max: number, rates: unknown, runner = 'r1'): Promise<string[]> {
  const { rows } = await at.client.query<{ run: { lane: string } }>(
    `SELECT run FROM jobdeck.claim($1, $2, $3, $4, $5, $6, 60000, $7, '{}', '{}', $8)`,
    [runner, now, max, ['t'], EXACT, PATTERNS, Array.from({ length: max }, (_, i) => `${runner}-${now}-${i}`), JSON.stringify(rates)],
  )
  return rows.map((r) => r.run.lane)
}

describe('PostgreSQL migration 10: lane rates and start now', () => {
  it('a job queued before the upgrade is claimed as before, not asked to start now and not past the gate', async () => {
    data = await pgAtVersion(8)
    await pgQueueJobs(data.client, [{ id: 'old', lane: 'x' }])
    await data.upgradeTo(10)
    const { rows } = await data.client.query<{ job: { start_now: number }; run: { gate_bypassed: number } }>(
      `SELECT job, run FROM jobdeck.claim('r1', $1, 1, '{t}', '{}', '[]', 60000, '{run-old}')`,
      [Date.now()],
    )
    expect(rows.map((r) => [r.job.start_now, r.run.gate_bypassed])).toEqual([[0, 0]])
  })

  it('finds a lane rate like a limit (exact, then the first pattern), and counts each lane matching a pattern on its own', async () => {
    data = await pgAtVersion(10)
    const rates = { exact: { solo: [2, 1000], free: [0, 0] }, patterns: [['crm:%', [3, 1000]], ['%', [1, 1000]]] }
    const rateOf = async (lane: string): Promise<unknown> =>
      (await data!.client.query<{ r: unknown }>('SELECT jobdeck.lane_rate($1, $2) AS r', [lane, JSON.stringify(rates)])).rows[0]?.r
    expect(await rateOf('solo')).toEqual(['2', '1000'])
    expect(await rateOf('crm:1')).toEqual(['3', '1000'])
    expect(await rateOf('free')).toBeNull()
    expect(await rateOf('other')).toEqual(['1', '1000'])

    const now = Date.now()
    await pgQueueJobs(data.client, [...Array.from({ length: 5 }, (_, i) => ({ id: `a${i}`, lane: 'crm:a' })), ...Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, lane: 'crm:b' }))])
    const first = await claim(data, now, 10, rates)
    expect(first.sort()).toEqual(['crm:a', 'crm:a', 'crm:a', 'crm:b', 'crm:b', 'crm:b'])
    // Within the window nothing more; once the first starts leave it, the lane starts again.
    expect(await claim(data, now + 999, 10, rates)).toEqual([])
    expect((await claim(data, now + 1000, 10, rates)).sort()).toEqual(['crm:a', 'crm:a', 'crm:b', 'crm:b'])
  })

  it('counts a start at the run’s recorded start, not its claim: a run started late holds its window later', async () => {
    data = await pgAtVersion(10)
    const rates = { exact: {}, patterns: [['crm:%', [1, 1000]]] }
    const now = Date.now()
    await pgQueueJobs(data.client, [{ id: 'j1', lane: 'crm:a' }, { id: 'j2', lane: 'crm:a' }])
    expect(await claim(data, now, 1, rates)).toEqual(['crm:a'])
    await data.client.query(`UPDATE jobdeck.runs SET started_at = $1`, [now + 300])
    expect(await claim(data, now + 1000, 1, rates)).toEqual([])
    expect(await claim(data, now + 1300, 1, rates)).toEqual(['crm:a'])
  })
})
