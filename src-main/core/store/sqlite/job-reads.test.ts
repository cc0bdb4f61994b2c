import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../../test-support/temp-store'
import type { NewJob, RunCompletion } from '../store-types'
import { JOB_LIST_SQL, JobReads, paramsKey } from './job-reads'
import type { SqliteDatabase } from './open-database'
import { SqliteStore } from './sqlite-store'
import { jobAfterRun } from '../../model/transitions'

let dir: string
let db: SqliteDatabase
let store: SqliteStore
let reads: JobReads

beforeEach(() => {
  ;({ dir, db, store } = openTempStore('jobdeck-reads-'))
  reads = new JobReads(db)
})

afterEach(() => removeTempStore({ dir, db, store }))

let serial = 0
const newJob = (extra: Partial<NewJob> = {}): NewJob => ({ id: `J${String(++serial).padStart(6, '0')}`, type: 't', params: {}, priority: 'normal', lane: 'default', ...extra })

/** Runs one job to `outcome`, started at `startedAt` and lasting `ms`. */
function runJob(job: NewJob, outcome: RunCompletion['outcome'], startedAt: number, ms: number): void {
  store.enqueue([job], startedAt - 1)
  const [claimed] = store.claim({ now: startedAt, runnerId: 'r1', concurrency: 1000, laneLimit: () => 1000, allowedTypes: [job.type], blockedLanes: [] })
  if (!claimed || claimed.job.id !== job.id) throw new Error('claimed another job')
  store.finish({
    runId: claimed.run.id,
    runnerId: 'r1',
    now: startedAt + ms,
    outcome,
    exitCode: outcome === 'succeeded' ? 0 : 1,
    signal: null,
    error: outcome === 'failed' ? 'boom' : null,
    progress: { percent: null, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    transition: jobAfterRun({ outcome, error: outcome === 'failed' ? 'boom' : null, now: startedAt + ms }, 0, () => null),
  })
}

describe('jobs.list read model', () => {
  it('lists one status newest first in keyset pages, with a count bounded by countUpTo', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z')
    for (let i = 0; i < 30; i++) runJob(newJob(), i % 3 === 0 ? 'succeeded' : 'failed', t0 + i * 1000, 100)
    const first = reads.list({ status: 'failed', limit: 8, countUpTo: 10_000 })
    expect(first.jobs).toHaveLength(8)
    expect(first.count).toBe(20)
    expect(first.countCapped).toBe(false)
    expect(first.jobs.every((j) => j.status === 'failed')).toBe(true)
    const finished = first.jobs.map((j) => j.finishedAt ?? '')
    expect(finished).toEqual([...finished].sort().reverse())
    const pages = [first]
    while (pages.at(-1)?.next) pages.push(reads.list({ status: 'failed', limit: 8, countUpTo: 10_000, before: pages.at(-1)?.next ?? undefined }))
    const ids = pages.flatMap((p) => p.jobs.map((j) => j.id))
    expect(ids).toHaveLength(20)
    expect(new Set(ids).size).toBe(20)

    const capped = reads.list({ status: 'failed', limit: 5, countUpTo: 12 })
    expect(capped).toMatchObject({ count: 12, countCapped: true })
  })

  it('filters by time: what failed since a moment (the Queue view asks for the last 24 h)', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z')
    runJob(newJob(), 'failed', t0 - 2 * 86_400_000, 100)
    runJob(newJob(), 'failed', t0 - 1000, 100)
    runJob(newJob({ type: 'other' }), 'failed', t0 - 500, 100)
    expect(reads.list({ status: 'failed', since: t0 - 86_400_000, limit: 10, countUpTo: 100 }).count).toBe(2)
    expect(reads.list({ status: 'failed', since: t0 - 86_400_000, type: 'other', limit: 10, countUpTo: 100 }).jobs.map((j) => j.type)).toEqual(['other'])
  })

  it('reads through the index of finished jobs by status and time, not a scan or a sort of all jobs', () => {
    const args = { status: 'failed', since: 0, until: 9e15, type: '', source: '', beforeAt: 9e15, beforeId: '~', limit: 10, cap: 100 }
    for (const sql of [JOB_LIST_SQL.page, JOB_LIST_SQL.count]) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(args) as Array<{ detail: string }>).map((p) => p.detail).join('\n')
      expect(plan).toMatch(/USING (COVERING )?INDEX jobs_status_finished/)
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN jobs\b(?! USING)/)
    }
  })
})

describe('a waiting job in the run order', () => {
  it('knows how many waiting jobs go first, in all and in its lane', () => {
    const now = Date.now()
    store.enqueue([newJob({ lane: 'a' }), newJob({ lane: 'b' }), newJob({ lane: 'a' })], now)
    const [urgent] = store.enqueue([newJob({ lane: 'a', priority: 'urgent' })], now + 1)
    const [last] = store.enqueue([newJob({ lane: 'a' })], now + 2)
    expect(reads.place(urgent!)).toEqual({ ahead: 0, aheadInLane: 0 })
    expect(reads.place(last!)).toEqual({ ahead: 4, aheadInLane: 3 })
  })
})

describe('expected durations', () => {
  it('uses the median of runs with the same params, else of the type', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z')
    const big = { size: 'big' }
    for (const [i, ms] of [100_000, 120_000, 140_000].entries()) runJob(newJob({ params: big }), 'succeeded', t0 + i * 200_000, ms)
    for (const [i, ms] of [2000, 3000].entries()) runJob(newJob({ params: { size: 'small' } }), 'succeeded', t0 + 1_000_000 + i * 10_000, ms)
    runJob(newJob({ params: big }), 'failed', t0 + 2_000_000, 1)
    expect(reads.expected({ type: 't', params: big })).toEqual({ p50Ms: 120_000, samples: 3, basis: 'params' })
    expect(reads.expected({ type: 't', params: { size: 'huge' } })).toEqual({ p50Ms: 100_000, samples: 5, basis: 'type' })
    expect(reads.expected({ type: 'never-ran', params: {} })).toBeNull()
    // A new run of the type is seen at once (the per-type memo follows the type's counters).
    runJob(newJob({ params: { size: 'huge' } }), 'succeeded', t0 + 3_000_000, 50_000)
    expect(reads.expected({ type: 't', params: { size: 'huge' } })).toEqual({ p50Ms: 50_000, samples: 1, basis: 'params' })
  })

  it('compares params whatever their key order', () => {
    expect(paramsKey({ a: 1, b: 'x' })).toBe(paramsKey({ b: 'x', a: 1 }))
    expect(paramsKey({ a: 1 })).not.toBe(paramsKey({ a: '1' }))
  })
})
