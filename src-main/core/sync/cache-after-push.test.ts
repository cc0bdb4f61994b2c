// The local record of shared mode's hot path against real SQLite files: a batch's results with
// the rows the previous push claimed, in one commit, ends exactly where writing the claims and
// then finishing the runs would (seq aside), whichever runs were claimed in the same batch.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jobAfterRun } from '../model/transitions'
import type { RowPair } from '../store/postgres/pg-queue'
import { CacheStore } from '../store/sqlite/cache-store'
import type { JobRow, RunRow } from '../store/sqlite/rows'
import type { RunCompletion } from '../store/store-types'
import { openTempStore, removeTempStore, type TempStore } from '../test-support/temp-store'
import { CacheAfterPush } from './cache-after-push'

const T0 = 1_700_000_000_000
const IDS = ['01J00000000000000000000001', '01J00000000000000000000002', '01J00000000000000000000003']

let opened: TempStore[] = []
const open = (): TempStore => {
  const made = openTempStore('jobdeck-after-push-')
  opened.push(made)
  return made
}

beforeEach(() => {
  opened = []
})
afterEach(() => {
  for (const made of opened) removeTempStore(made)
})

function enqueued(at: TempStore): void {
  at.store.enqueue(
    IDS.map((id) => ({ id, type: 't', params: {}, priority: 'normal' as const, lane: id })),
    T0,
  )
}

/** The three jobs claimed as the shared database would hand them back: rows, read from a store that claimed them. */
function claimedPairs(): RowPair[] {
  const source = open()
  enqueued(source)
  const claimed = source.store.claim({ now: T0 + 1, runnerId: 'r1', concurrency: 3, laneLimit: () => 1, allowedTypes: ['t'] })
  return claimed.map((work) => ({
    job: source.db.prepare('SELECT * FROM jobs WHERE id = ?').get(work.job.id) as JobRow,
    run: source.db.prepare('SELECT * FROM runs WHERE id = ?').get(work.run.id) as RunRow,
  }))
}

const result = (runId: string, outcome: 'succeeded' | 'failed', retryAfterMs: number | null): RunCompletion => {
  const now = T0 + 50
  const error = outcome === 'failed' ? 'exit code 1' : null
  return {
    runId,
    runnerId: 'r1',
    now,
    outcome,
    exitCode: outcome === 'failed' ? 1 : 0,
    signal: null,
    error,
    progress: { percent: null, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    startedAt: T0 + 3,
    transition: jobAfterRun({ outcome, error, now }, 0, () => retryAfterMs),
  }
}

function rows(at: TempStore): { jobs: unknown[]; runs: unknown[] } {
  const strip = ({ seq: _seq, ...rest }: { seq: number }): unknown => rest
  return {
    jobs: (at.db.prepare('SELECT * FROM jobs ORDER BY id').all() as JobRow[]).map(strip),
    runs: (at.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[]).map(strip),
  }
}

describe('CacheAfterPush: results recorded with the rows the previous push claimed', () => {
  it('writes what the claims then the finishes would: a run claimed in this batch once, a run claimed earlier by its finish', () => {
    const [first, second, third] = claimedPairs()
    if (!first || !second || !third) throw new Error('three claims expected')
    // `first` was claimed by an earlier push and is cached as running; `second` and `third` come
    // back with this push: `second` finished in the same batch (a retry), `third` still runs.
    const results = [result(first.run.id, 'succeeded', null), result(second.run.id, 'failed', 60_000)]

    const merged = open()
    enqueued(merged)
    const mergedCache = new CacheStore(merged.db, merged.store)
    const inFlight = new Set<number>()
    let published = 0
    const afterPush = new CacheAfterPush({ store: merged.store, cache: mergedCache, inFlight, publishChanges: () => published++ })
    merged.store.tx(() => mergedCache.applyInTx([first.job], [first.run]))
    const entries = afterPush.record(results, { drops: [], claims: [second, third] })

    const stepwise = open()
    enqueued(stepwise)
    const stepwiseCache = new CacheStore(stepwise.db, stepwise.store)
    stepwise.store.tx(() => stepwiseCache.applyInTx([first.job], [first.run]))
    stepwise.store.tx(() => {
      stepwiseCache.applyInTx([second.job, third.job], [second.run, third.run])
      for (const completion of results) expect(stepwise.store.finishInTx(completion)).toBe(true)
    })

    expect(rows(merged)).toEqual(rows(stepwise))
    const statuses = merged.db.prepare('SELECT id, status FROM runs ORDER BY id').all()
    expect(statuses).toEqual(
      [
        { id: first.run.id, status: 'succeeded' },
        { id: second.run.id, status: 'failed' },
        { id: third.run.id, status: 'running' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    )
    // Each result has its outbox entry, in flight until its push is decided; the new rows were published.
    expect(entries).toHaveLength(2)
    expect([...inFlight]).toEqual(entries)
    expect(mergedCache.outboxCount()).toBe(2)
    expect(published).toBe(1)
  })

  it('a claim left by a push with no result after it is committed on its own within two turns of the event loop', async () => {
    const [first] = claimedPairs()
    if (!first) throw new Error('a claim expected')
    const at = open()
    enqueued(at)
    const cache = new CacheStore(at.db, at.store)
    const afterPush = new CacheAfterPush({ store: at.store, cache, inFlight: new Set(), publishChanges: () => undefined })
    afterPush.leave([], [first])
    const status = (): unknown => at.db.prepare('SELECT status FROM jobs WHERE id = ?').pluck().get(first.job.id)
    expect(status()).toBe('queued')
    await new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))))
    expect(status()).toBe('running')
  })
})
