import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../../test-support/temp-store'
import path from 'node:path'
import { SCHEMA_VERSION } from './migrations'
import { openDatabase, type SqliteDatabase } from './open-database'
import { SqliteStore } from './sqlite-store'
import { jobAfterRun } from '../../model/transitions'
import type { ClaimInput, RunCompletion } from '../store-types'

let dir: string
let db: SqliteDatabase
let store: SqliteStore

beforeEach(() => {
  ;({ dir, db, store } = openTempStore('jobdeck-store-'))
})

afterEach(() => removeTempStore({ dir, db, store }))

const claimInput = (now = Date.now()): ClaimInput => ({
  now,
  runnerId: 'r1',
  concurrency: 10,
  laneLimit: () => 1,
  allowedTypes: ['t'],
})

/** A result at `now` whose job is never retried, unless `retryAfterMs` says after how long. */
const completion = (runId: string, outcome: RunCompletion['outcome'] = 'succeeded', now = Date.now(), retryAfterMs: number | null = null): RunCompletion => {
  const error = outcome === 'succeeded' ? null : 'exit code 1'
  return {
    runId,
    runnerId: 'r1',
    now,
    outcome,
    exitCode: outcome === 'succeeded' ? 0 : 1,
    signal: null,
    error,
    progress: { percent: null, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    transition: jobAfterRun({ outcome, error, now }, 0, () => retryAfterMs),
  }
}

describe('migrations', () => {
  // Each version's own tests are beside it, in migrations/.
  it('refuses a database whose schema is newer than this version knows, and leaves it untouched', () => {
    const file = path.join(dir, 'newer.sqlite')
    const newer = new Database(file)
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    newer.close()
    expect(() => openDatabase(file)).toThrow(/schema version \d+, newer than this Jobdeck understands/)
    const check = new Database(file)
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1)
    check.close()
  })

  it('a new database is at the current version, and re-opening it keeps its data', () => {
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: { a: 1 }, priority: 'normal', lane: 'x' }], Date.now())
    store.close()
    db.close()
    db = openDatabase(path.join(dir, 'jobdeck.sqlite'))
    store = new SqliteStore(db)
    expect(store.getJob('01J00000000000000000000001').params).toEqual({ a: 1 })
  })
})

describe('SqliteStore', () => {
  it('keeps the per-status counters in step with the jobs table', () => {
    const now = Date.now()
    store.enqueue(
      ['A', 'B', 'C'].map((c, i) => ({ id: `01J0000000000000000000000${c}`, type: 't', params: {}, priority: 'normal' as const, lane: `l${i}` })),
      now,
    )
    const [first] = store.claim(claimInput(now))
    store.finish(completion(first?.run.id ?? ''))
    store.cancel('01J0000000000000000000000C', now)
    const counted = store.counts()
    const actual = db.prepare(`SELECT status, count(*) AS n FROM jobs GROUP BY status`).all() as Array<{ status: string; n: number }>
    for (const { status, n } of actual) expect(counted[status as keyof typeof counted]).toBe(n)
    expect(counted.succeeded + counted.running + counted.canceled + counted.queued).toBe(3)
    store.clearFinished(Date.now() + 1000)
    expect(store.counts().succeeded).toBe(0)
  })

  it('a run can only be finished by the runner that owns it, once', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    const [claimed] = store.claim(claimInput())
    expect(store.finish({ ...completion(claimed?.run.id ?? ''), runnerId: 'someone-else' })).toBeNull()
    expect(store.finish(completion(claimed?.run.id ?? ''))).not.toBeNull()
    expect(store.finish(completion(claimed?.run.id ?? '', 'failed'))).toBeNull()
    expect(store.getRun(claimed?.run.id ?? '').status).toBe('succeeded')
  })

  it('a finish records when the work really started, if the runner knows it, as the shared database does', () => {
    const now = Date.now()
    store.enqueue(
      [
        { id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' },
        { id: '01J00000000000000000000002', type: 't', params: {}, priority: 'normal', lane: 'y' },
      ],
      now,
    )
    const [a, b] = store.claim(claimInput())
    const claimedAt = Date.parse(a?.run.startedAt ?? '')
    store.finish({ ...completion(a?.run.id ?? ''), startedAt: claimedAt + 1234 })
    store.finish(completion(b?.run.id ?? ''))
    expect(Date.parse(store.getRun(a?.run.id ?? '').startedAt)).toBe(claimedAt + 1234)
    expect(store.getRun(b?.run.id ?? '').startedAt).toBe(b?.run.startedAt)
  })

  it('keeps the newest output when a run exceeds its log limit', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    const [claimed] = store.claim(claimInput())
    const runId = claimed?.run.id ?? ''
    for (let batch = 0; batch < 10; batch++) {
      store.appendLogs(
        Array.from({ length: 100 }, (_, i) => ({ runId, stream: 'stdout' as const, at: Date.now(), text: `line ${batch * 100 + i} ${'x'.repeat(40)}` })),
        () => 10_000,
      )
    }
    const lines = store.logs(runId)
    const run = store.getRun(runId)
    expect(run.logTruncated).toBe(true)
    expect(run.logBytes).toBeLessThanOrEqual(10_000)
    expect(lines.at(-1)?.text).toMatch(/^line 999 /)
    expect(lines[0]?.text).not.toMatch(/^line 0 /)
    expect(lines.reduce((sum, l) => sum + Buffer.byteLength(l.text) + 1, 0)).toBe(run.logBytes)
  })

  it('reads the tail of a log, oldest first, with the count of lines before it', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    const [claimed] = store.claim(claimInput())
    const runId = claimed?.run.id ?? ''
    store.appendLogs(Array.from({ length: 50 }, (_, i) => ({ runId, stream: 'stdout' as const, at: Date.now(), text: `line ${i}` })), () => 1e6)
    const tail = store.logTail(runId, 5)
    expect(tail.lines.map((l) => l.text)).toEqual(['line 45', 'line 46', 'line 47', 'line 48', 'line 49'])
    expect(tail.earlier).toBe(45)
    expect(store.logTail(runId, 500).earlier).toBe(0)
  })

  it('pages history by keyset, newest first, without gaps or repeats', () => {
    const base = Date.now()
    for (let i = 0; i < 25; i++) {
      const id = `01J000000000000000000000${String(i).padStart(2, '0')}`
      store.enqueue([{ id, type: 't', params: { i }, priority: 'normal', lane: `l${i}` }], base)
      const [c] = store.claim(claimInput(base + Math.floor(i / 2))) // pairs share a start time
      store.finish(completion(c?.run.id ?? ''))
    }
    const seen: string[] = []
    let before: { startedAt: number; id: string } | undefined
    for (;;) {
      const page = store.listRuns({ limit: 7, ...(before ? { before } : {}) })
      if (page.length === 0) break
      seen.push(...page.map((r) => r.id))
      const last = page.at(-1)
      before = last ? { startedAt: Date.parse(last.startedAt), id: last.id } : undefined
    }
    expect(seen).toHaveLength(25)
    expect(new Set(seen).size).toBe(25)
  })

  it('rejects a duplicate job id without enqueuing any of the batch', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    expect(() =>
      store.enqueue(
        [
          { id: '01J00000000000000000000002', type: 't', params: {}, priority: 'normal', lane: 'x' },
          { id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' },
        ],
        Date.now(),
      ),
    ).toThrow(/already exists/)
    expect(() => store.getJob('01J00000000000000000000002')).toThrow(/no job/)
  })
})

describe('undo of a cancel', () => {
  const job = (c: string, priority: 'normal' | 'urgent' = 'normal') => ({ id: `01J0000000000000000000000${c}`, type: 't', params: {}, priority, lane: 'x' })

  it('puts a job canceled while it waited back in its place, with its priority', () => {
    const now = Date.now()
    store.enqueue([job('A'), job('B', 'urgent'), job('C')], now)
    store.cancel(job('B').id, now + 1)
    store.cancel(job('A').id, now + 2)
    expect(store.listWaiting(10).map((j) => j.id)).toEqual([job('C').id])
    // A retry would queue it at the back; an undo restores the order as it was.
    store.restore(job('A').id)
    store.restore(job('B').id)
    expect(store.listWaiting(10).map((j) => [j.id, j.priority])).toEqual([
      [job('B').id, 'urgent'],
      [job('A').id, 'normal'],
      [job('C').id, 'normal'],
    ])
    expect(store.getJob(job('A').id)).toMatchObject({ status: 'queued', finishedAt: null, error: null })
    expect(store.counts()).toMatchObject({ queued: 3, canceled: 0 })
  })

  it('puts a retrying job back to wait for its retry, with its failure and budget', () => {
    const now = Date.now()
    store.enqueue([job('A')], now)
    const [claimed] = store.claim(claimInput(now))
    store.finish(completion(claimed?.run.id ?? '', 'failed', now + 10, 60_000))
    const retrying = store.getJob(job('A').id)
    store.cancel(job('A').id, now + 20)
    const restored = store.restore(job('A').id)
    expect(restored).toMatchObject({ status: 'retrying', runAfter: retrying.runAfter, failures: 1, error: 'exit code 1' })
  })

  it('refuses a job that was canceled while it ran, or that never was canceled', () => {
    const now = Date.now()
    store.enqueue([job('A'), job('B')], now)
    const [claimed] = store.claim({ ...claimInput(now), concurrency: 1 })
    store.cancel(claimed?.job.id ?? '', now)
    store.finish(completion(claimed?.run.id ?? '', 'canceled', now + 5))
    expect(() => store.restore(job('A').id)).toThrow(/canceled while it ran; only a job canceled while it waited can be put back/)
    expect(() => store.restore(job('B').id)).toThrow(/is queued/)
  })
})
