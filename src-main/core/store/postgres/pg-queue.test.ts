import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../ids'
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres'
import { jobAfterRun } from '../../model/transitions'
import type { RunCompletion } from '../store-types'
import { PgConnection } from './pg-connection'
import { PgQueue, type PgClaimInput, type PgNewJob } from './pg-queue'
import { migratePg, PG_SCHEMA_VERSION, pgSchemaVersion } from './pg-schema'
import { postgresRuntimeSchema } from '../../../../src-shared/config-schema'

let db: TestDatabase
let conn: PgConnection
let queue: PgQueue

let made = 0
/** Jobs made later queue later, also within one millisecond (the tests depend on that order). */
const job = (lane: string, type = 'work', now = Date.now()): PgNewJob => ({
  id: newId(),
  type,
  params: '{}',
  priority: 'normal',
  lane,
  ord: now * 1000 + (made++ % 1000),
  createdAt: now,
})

const claimInput = (runnerId: string, max: number, extra: Partial<PgClaimInput> = {}): PgClaimInput => ({
  runnerId,
  now: Date.now(),
  max,
  allowedTypes: ['work', 'once'],
  lanes: { exact: { wide: 3 }, patterns: [['dealer:*', 2]] },
  leaseMs: 30_000,
  runIds: Array.from({ length: max }, () => newId()),
  ...extra,
})

/** A result whose job, having failed `failuresBefore` times, would wait `delays[failures - 1]` to retry (none: give up). */
const completion = (
  runId: string,
  runnerId: string,
  outcome: RunCompletion['outcome'] = 'succeeded',
  delays: Array<number | null> = [null],
  failuresBefore = 0,
): RunCompletion => {
  const now = Date.now()
  const error = outcome === 'failed' ? 'boom' : null
  return {
    runId,
    runnerId,
    now,
    outcome,
    exitCode: outcome === 'succeeded' ? 0 : 1,
    signal: null,
    error,
    progress: { percent: null, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    transition: jobAfterRun({ outcome, error, now }, failuresBefore, (failures) => delays[failures - 1] ?? null),
  }
}

beforeAll(async () => {
  db = await createTestDatabase()
  conn = new PgConnection({ config: postgresRuntimeSchema.parse({ url: db.url }), source: 'config' })
  const client = await conn.pool.connect()
  await migratePg(client, db.name)
  client.release()
  queue = new PgQueue(conn)
})

afterAll(async () => {
  await conn?.close()
  await db?.drop()
})

describe('PgQueue', () => {
  it('creates the schema once; a second migration finds it current', async () => {
    const client = await conn.pool.connect()
    await migratePg(client, db.name)
    expect(await pgSchemaVersion(client)).toBe(PG_SCHEMA_VERSION)
    client.release()
  })

  it('claims by priority then age, holds lane limits, and finishes only runs it owns', async () => {
    const a = job('seq')
    const b = job('seq')
    const c = job('other')
    await queue.enqueue([a, b, c])
    // Enqueue is idempotent by id (outbox replays).
    expect(await queue.enqueue([a])).toEqual([])
    const first = await queue.claim(claimInput('r1', 4))
    // `seq` has limit 1: only one of its jobs runs, plus the other lane.
    expect(first.map((p) => p.job.id).sort()).toEqual([a.id, c.id].sort())
    const second = await queue.claim(claimInput('r2', 4))
    expect(second).toEqual([])
    const runA = first.find((p) => p.job.id === a.id)?.run
    expect(runA?.status).toBe('running')
    // Another runner cannot finish r1's run.
    expect(await queue.finish(completion(runA?.id ?? '', 'r2'))).toBeNull()
    const finished = await queue.finish(completion(runA?.id ?? '', 'r1'))
    expect(finished?.status).toBe('succeeded')
    // Finishing twice does nothing.
    expect(await queue.finish(completion(runA?.id ?? '', 'r1'))).toBeNull()
    const third = await queue.claim(claimInput('r2', 4))
    expect(third.map((p) => p.job.id)).toEqual([b.id])
    const counts = await queue.counts()
    expect(counts.succeeded).toBe(1)
    expect(counts.running).toBe(2)
  })

  it('rescues a run whose lease expired; the old runner can no longer finish it', async () => {
    const j = job('rescue-lane', 'rescue')
    await queue.enqueue([j])
    const [pair] = await queue.claim(claimInput('dead-runner', 1, { leaseMs: 1, allowedTypes: ['rescue'] }))
    expect(pair?.job.id).toBe(j.id)
    await new Promise((r) => setTimeout(r, 20))
    const expired = await queue.expiredRuns()
    expect(expired).toContain(pair?.run.id)
    // A rescue takes only the runs it is given (their processes were stopped first).
    expect(await queue.rescue(Date.now(), [], 3, expired.filter((id) => id !== pair?.run.id))).not.toContainEqual(
      expect.objectContaining({ run: expect.objectContaining({ id: pair?.run.id }) }),
    )
    const rescued = await queue.rescue(Date.now(), [], 3, expired)
    expect(rescued.map((r) => r.run.id)).toContain(pair?.run.id)
    const again = rescued.find((r) => r.run.id === pair?.run.id)
    expect(again?.run.status).toBe('interrupted')
    expect(again?.job.status).toBe('queued')
    expect(await queue.finish(completion(pair?.run.id ?? '', 'dead-runner'))).toBeNull()
  })

  it('a failed run retries by the delays given, then fails for good', async () => {
    const j = job('retry-lane', 'retry')
    await queue.enqueue([j])
    const only = { allowedTypes: ['retry'] }
    const [p1] = await queue.claim(claimInput('r1', 1, only))
    const afterFirst = await queue.finish(completion(p1?.run.id ?? '', 'r1', 'failed', [0, null]))
    expect(afterFirst?.status).toBe('retrying')
    const [p2] = await queue.claim(claimInput('r1', 1, only))
    expect(p2?.run.attempt).toBe(2)
    const afterSecond = await queue.finish(completion(p2?.run.id ?? '', 'r1', 'failed', [0, null], p2?.job.failures))
    expect(afterSecond?.status).toBe('failed')
    expect(afterSecond?.error).toBe('boom')
  })

  it('an outbox result written before the runner decided (retry delays) is decided from the database and applied once', async () => {
    const j = job('legacy-lane', 'retry')
    await queue.enqueue([j])
    const only = { allowedTypes: ['retry'] }
    const [p1] = await queue.claim(claimInput('r1', 1, only))
    await queue.finish(completion(p1?.run.id ?? '', 'r1', 'failed', [0, null]))
    const [p2] = await queue.claim(claimInput('r1', 1, only))
    const { transition: _decided, ...plain } = completion(p2?.run.id ?? '', 'r1', 'failed')
    const decided = await queue.decideLegacy({ completion: plain, retryDelays: [0, 60_000] })
    const after = await queue.finish(decided)
    expect(after).toMatchObject({ status: 'retrying', failures: 2, run_after: plain.now + 60_000, error: 'boom' })
    expect(await queue.finish(await queue.decideLegacy({ completion: plain, retryDelays: [0, 60_000] }))).toBeNull()
  })

  it('an undo of a cancel made while waiting puts the job back in its place, with its retry time', async () => {
    const only = { allowedTypes: ['undo'] }
    const first = job('undo-lane', 'undo')
    const second = job('undo-lane', 'undo')
    await queue.enqueue([first, second])
    await queue.cancel(first.id, Date.now())
    const restored = await queue.restore(first.id)
    expect(restored).toMatchObject({ status: 'queued', finished_at: null, error: null })
    // Back in front of the job enqueued after it (a retry would have put it behind).
    const [p1] = await queue.claim(claimInput('r1', 1, only))
    expect(p1?.job.id).toBe(first.id)
    const retrying = await queue.finish(completion(p1?.run.id ?? '', 'r1', 'failed', [60_000, null]))
    await queue.cancel(first.id, Date.now() + 5)
    expect(await queue.restore(first.id)).toMatchObject({ status: 'retrying', run_after: retrying?.run_after, error: 'boom', failures: 1 })
    await expect(queue.restore(second.id)).rejects.toThrow(/only a job canceled while it waited can be put back/)
  })

  it('finishes a run and claims the next in one statement: the lane it frees counts as free, fencing holds', async () => {
    const only = { allowedTypes: ['combo'] }
    const [a, b, c] = [job('combo-lane', 'combo'), job('combo-lane', 'combo'), job('combo-lane', 'combo')]
    await queue.enqueue([a, b, c])
    const [first] = await queue.claim(claimInput('r1', 1, only))
    expect(first?.job.id).toBe(a.id)
    const firstRun = first?.run.id ?? ''
    // The lane's limit is 1 and its one slot is a's: only finishing a frees it, in the same statement.
    const next = await queue.finishAndClaim([completion(firstRun, 'r1')], claimInput('r1', 2, only))
    expect(next.finished.get(firstRun)?.id).toBe(a.id)
    expect(next.finished.get(firstRun)?.status).toBe('succeeded')
    expect(next.claimed.map((p) => p.job.id)).toEqual([b.id])
    expect(next.claimed[0]?.run.runner_id).toBe('r1')
    const secondRun = next.claimed[0]?.run.id ?? ''
    // Another runner's run does not free the lane for r2, and r2 cannot finish it.
    const foreign = await queue.finishAndClaim([completion(secondRun, 'r2')], claimInput('r2', 2, only))
    expect(foreign).toEqual({ finished: new Map([[secondRun, null]]), claimed: [] })
    // A run already finished frees nothing twice.
    const again = await queue.finishAndClaim([completion(firstRun, 'r1')], claimInput('r1', 2, only))
    expect(again).toEqual({ finished: new Map([[firstRun, null]]), claimed: [] })
    const last = await queue.finishAndClaim([completion(secondRun, 'r1')], claimInput('r1', 2, only))
    expect(last.claimed.map((p) => p.job.id)).toEqual([c.id])
  })

  it('finishes several results in one statement, each fenced, and claims into every lane slot they free', async () => {
    const only = { allowedTypes: ['batch'] }
    const jobs = [job('batch-a', 'batch'), job('batch-b', 'batch'), job('batch-a', 'batch'), job('batch-b', 'batch')]
    await queue.enqueue(jobs)
    const firsts = await queue.claim(claimInput('r1', 2, only))
    expect(firsts.map((p) => p.job.id)).toEqual([jobs[0]?.id, jobs[1]?.id])
    const [runA, runB] = firsts.map((p) => p.run.id)
    // r2 owns neither: nothing is recorded for it and both lanes stay full.
    const stolen = await queue.finishAndClaim(
      [runA, runB].map((id) => completion(id ?? '', 'r2')),
      claimInput('r2', 2, only),
    )
    expect(stolen.claimed).toEqual([])
    expect([...stolen.finished.values()]).toEqual([null, null])
    // One failed with a retry, one succeeded: both lanes (limit 1) are free within the statement.
    const both = await queue.finishAndClaim(
      [
        completion(runA ?? '', 'r1', 'failed', [60_000, null]),
        completion(runB ?? '', 'r1'),
      ],
      claimInput('r1', 2, only),
    )
    expect(both.finished.get(runA ?? '')?.status).toBe('retrying')
    expect(both.finished.get(runB ?? '')?.status).toBe('succeeded')
    expect(both.claimed.map((p) => p.job.id).sort()).toEqual([jobs[2]?.id, jobs[3]?.id].sort())
    const { rows } = await conn.query<{ lane: string; n: number }>(
      `SELECT lane, count(*)::int AS n FROM jobdeck.runs WHERE lane LIKE 'batch-%' AND status = 'running' GROUP BY lane ORDER BY lane`,
    )
    expect(rows).toEqual([{ lane: 'batch-a', n: 1 }, { lane: 'batch-b', n: 1 }])
  })

  it('concurrent claims in one lane wait for each other instead of skipping it: the lane fills exactly to its limit', async () => {
    const only = { allowedTypes: ['crowd'], lanes: { exact: { crowd: 3 }, patterns: [] as Array<[string, number]> } }
    await queue.enqueue(Array.from({ length: 10 }, () => job('crowd', 'crowd')))
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => queue.claim(claimInput(`c${i}`, 1, only))))
    expect(claims.flat()).toHaveLength(3)
    const { rows } = await conn.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobdeck.runs WHERE lane = 'crowd' AND status = 'running'`)
    expect(rows[0]?.n).toBe(3)
  })

  it('counter shards of sessions that ended fold into shard 0; the sums stay exact', async () => {
    const before = await queue.counts()
    const other = new pg.Client({ connectionString: db.url })
    await other.connect()
    const { rows } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    const pid = rows[0]?.pid
    await other.query(`SELECT jobdeck.count_job('work', 'queued', 5)`)
    await other.end()
    for (let i = 0; i < 100; i++) {
      const live = await conn.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])
      if (live.rowCount === 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    await queue.compactCounts()
    const left = await conn.query('SELECT 1 FROM jobdeck.job_counts WHERE shard = $1', [pid])
    expect(left.rowCount).toBe(0)
    expect((await queue.counts()).queued).toBe(before.queued + 5)
  })

  it('refuses a schema newer than it knows', async () => {
    const other = await createTestDatabase('jobdeck_newer')
    const client = new pg.Client({ connectionString: other.url })
    await client.connect()
    try {
      await migratePg(client, other.name)
      await client.query(`INSERT INTO jobdeck.schema_version (version, name) VALUES ($1, 'from the future')`, [PG_SCHEMA_VERSION + 1])
      await expect(migratePg(client, other.name)).rejects.toThrow(/newer than this Jobdeck understands/)
    } finally {
      await client.end()
      await other.drop()
    }
  })

  it('two instances migrating an empty database at once: one creates the schema, the other waits and finds it', async () => {
    const fresh = await createTestDatabase('jobdeck_race')
    const clients = [new pg.Client({ connectionString: fresh.url }), new pg.Client({ connectionString: fresh.url })]
    try {
      await Promise.all(clients.map((c) => c.connect()))
      await Promise.all(clients.map((c) => migratePg(c, fresh.name)))
      const { rows } = await clients[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM jobdeck.schema_version')
      expect(rows[0]?.n).toBe(PG_SCHEMA_VERSION)
    } finally {
      await Promise.all(clients.map((c) => c.end()))
      await fresh.drop()
    }
  })
})
