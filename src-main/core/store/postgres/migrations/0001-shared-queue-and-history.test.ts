import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, pgQueueJobs, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

interface Pair {
  job: { id: string; status: string; attempts: number; interruptions: number }
  run: { id: string; status: string; runner_id: string; error: string | null }
}

/** Version 1's claim(): lanes limited to 1 unless `exact` says otherwise. */
async function claim(client: pg.ClientBase, runner: string, runIds: string[], exact: Record<string, number> = {}): Promise<Pair[]> {
  const { rows } = await client.query<Pair>(
    `SELECT job, run FROM jobdeck.claim($1, $2, $3, '{t}', $4, '[]', 30000, $5)`,
    [runner, Date.now(), runIds.length, JSON.stringify(exact), runIds],
  )
  return rows
}

/** Version 1's finish(): the job, or null when `runner` no longer owns the run. */
async function finish(client: pg.ClientBase, runId: string, runner: string): Promise<{ id: string; status: string } | null> {
  const { rows } = await client.query<{ job: { id: string; status: string } | null }>(
    `SELECT jobdeck.finish($1, $2, 'succeeded', $3, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', NULL) AS job`,
    [runId, runner, Date.now()],
  )
  return rows[0]?.job ?? null
}

describe('PostgreSQL migration 1: shared queue and history', () => {
  it('creates the shared tables in the schema jobdeck of an empty database, not paused', async () => {
    data = await pgAtVersion(0)
    await data.upgradeTo(1)
    const { rows } = await data.client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'jobdeck' ORDER BY 1`,
    )
    expect(rows.map((r) => r.name)).toEqual(['clears', 'job_counts', 'jobs', 'meta', 'run_logs', 'runners', 'runs', 'schema_version', 'type_stats'])
    expect((await data.client.query(`SELECT value FROM jobdeck.meta WHERE key = 'paused'`)).rows).toEqual([{ value: '0' }])
    expect((await data.client.query(`SELECT version, name FROM jobdeck.schema_version`)).rows).toEqual([
      { version: 1, name: 'shared queue and history' },
    ])
  })

  it('claims within lane limits, finishes only the runs its runner owns, and counts jobs and finished runs', async () => {
    data = await pgAtVersion(1)
    const { client } = data
    await pgQueueJobs(client, [{ id: 'a', lane: 'seq' }, { id: 'b', lane: 'seq' }, { id: 'c', lane: 'other' }])
    const first = await claim(client, 'r1', ['ra', 'rc', 'r-', 'r--'])
    // `seq` has the default limit 1: only its oldest job runs, beside the other lane's.
    expect(first.map((p) => [p.job.id, p.run.id, p.job.status, p.job.attempts])).toEqual([
      ['a', 'ra', 'running', 1],
      ['c', 'rc', 'running', 1],
    ])
    expect(await claim(client, 'r2', ['x'])).toEqual([])
    expect(await finish(client, 'ra', 'r2')).toBeNull()
    expect(await finish(client, 'ra', 'r1')).toMatchObject({ id: 'a', status: 'succeeded' })
    expect((await claim(client, 'r2', ['rb'])).map((p) => p.job.id)).toEqual(['b'])
    const counts = await client.query(`SELECT status, sum(n)::int AS n FROM jobdeck.job_counts WHERE type = 't' GROUP BY status HAVING sum(n) <> 0 ORDER BY status`)
    expect(counts.rows).toEqual([{ status: 'running', n: 2 }, { status: 'succeeded', n: 1 }])
    const stats = await client.query(`SELECT sum(runs)::int AS runs, sum(succeeded)::int AS succeeded FROM jobdeck.type_stats WHERE type = 't'`)
    expect(stats.rows).toEqual([{ runs: 1, succeeded: 1 }])
  })

  it('a lane limit comes from the exact lane, else the first matching pattern, else 1', async () => {
    data = await pgAtVersion(1)
    const { rows } = await data.client.query<{ exact: number; pattern: number; none: number }>(
      `SELECT jobdeck.lane_limit('wide', $1, $2) AS exact, jobdeck.lane_limit('dealer:9', $1, $2) AS pattern,
        jobdeck.lane_limit('seq', $1, $2) AS none`,
      [JSON.stringify({ wide: 3 }), JSON.stringify([['dealer:%', 2], ['dealer:9%', 5]])],
    )
    expect(rows).toEqual([{ exact: 3, pattern: 2, none: 1 }])
  })

  it('rescues a run whose lease expired: interrupted, its job queued again, or failed when its type must not run twice', async () => {
    data = await pgAtVersion(1)
    const { client } = data
    await pgQueueJobs(client, [{ id: 'a', lane: 'x' }, { id: 'b', lane: 'y', type: 'once' }])
    await claim(client, 'r1', ['ra'])
    await client.query(`SELECT jobdeck.claim('r1', $1, 1, '{once}', '{}', '[]', 30000, '{rb}')`, [Date.now()])
    await client.query(`UPDATE jobdeck.runs SET lease_until = 0`)
    const { rows } = await client.query<Pair>(`SELECT job, run FROM jobdeck.rescue($1, '{once}', 3) ORDER BY run ->> 'id'`, [Date.now()])
    expect(rows.map((p) => [p.run.id, p.run.status, p.job.status, p.job.interruptions])).toEqual([
      ['ra', 'interrupted', 'queued', 1],
      ['rb', 'interrupted', 'failed', 1],
    ])
    expect(rows[0]?.run.error).toMatch(/runner r1 stopped renewing its lease/)
  })
})
