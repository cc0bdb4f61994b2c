import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../test-support/temp-store'
import { jobAfterRun } from '../model/transitions'
import { resultRecord, rowsAfterResult } from './result-record'
import type { SqliteDatabase } from './sqlite/open-database'
import type { JobRow, RunRow } from './sqlite/rows'
import { SqliteStore } from './sqlite/sqlite-store'
import type { RunCompletion } from './store-types'

let dir: string
let db: SqliteDatabase
let store: SqliteStore

beforeEach(() => {
  ;({ dir, db, store } = openTempStore('jobdeck-result-'))
})

afterEach(() => removeTempStore({ dir, db, store }))

const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null })
const time = fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 })

/** Any result a runner may report for run `runId`, with any decision about its job. */
const completionOf = (runId: string): fc.Arbitrary<RunCompletion> =>
  fc
    .record({
      outcome: fc.constantFrom('succeeded', 'failed', 'partial', 'canceled' as const),
      now: time,
      exitCode: nullable(fc.integer({ min: -1, max: 255 })),
      signal: nullable(fc.constantFrom('SIGTERM', 'SIGKILL')),
      error: nullable(fc.string({ maxLength: 40 })),
      percent: nullable(fc.integer({ min: 0, max: 100 })),
      current: nullable(fc.nat()),
      total: nullable(fc.nat()),
      message: nullable(fc.string({ maxLength: 20 })),
      itemsOk: nullable(fc.nat()),
      itemsFailed: nullable(fc.nat()),
      peakRssBytes: fc.option(nullable(fc.nat()), { nil: undefined }),
      cpuSeconds: fc.option(nullable(fc.double({ min: 0, max: 1e4, noNaN: true })), { nil: undefined }),
      processesStopped: fc.option(fc.nat({ max: 9 }), { nil: undefined }),
      startedAt: fc.option(nullable(time), { nil: undefined }),
      failuresBefore: fc.nat({ max: 5 }),
      retryAfterMs: nullable(fc.integer({ min: 0, max: 86_400_000 })),
    })
    .map((r) => {
      const c: RunCompletion = {
        runId,
        runnerId: 'r1',
        now: r.now,
        outcome: r.outcome,
        exitCode: r.exitCode,
        signal: r.signal,
        error: r.error,
        progress: { percent: r.percent, current: r.current, total: r.total, message: r.message },
        itemsOk: r.itemsOk,
        itemsFailed: r.itemsFailed,
        transition: jobAfterRun({ outcome: r.outcome, error: r.error, now: r.now }, r.failuresBefore, () => r.retryAfterMs),
      }
      if (r.peakRssBytes !== undefined) c.peakRssBytes = r.peakRssBytes
      if (r.cpuSeconds !== undefined) c.cpuSeconds = r.cpuSeconds
      if (r.processesStopped !== undefined) c.processesStopped = r.processesStopped
      if (r.startedAt !== undefined) c.startedAt = r.startedAt
      return c
    })

const rowsOf = (jobId: string, runId: string): { job: JobRow; run: RunRow } => {
  const { seq: _j, ...job } = db.prepare('SELECT * FROM jobs WHERE id = ?').get(jobId) as JobRow
  const { seq: _r, ...run } = db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow
  return { job: job as JobRow, run: run as RunRow }
}

const withoutSeq = ({ job, run }: { job: JobRow; run: RunRow }): { job: Omit<JobRow, 'seq'>; run: Omit<RunRow, 'seq'> } => {
  const { seq: _j, ...jobRest } = job
  const { seq: _r, ...runRest } = run
  return { job: jobRest, run: runRest }
}

describe('rowsAfterResult: a claimed job and run in their state after a result, as data', () => {
  it('equals what the store writes for the same result (finishRun + jobAfterRun), for any result and decision', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: { a: 1 }, priority: 'normal', lane: 'x' }], 1_700_000_000_000)
    const [claimed] = store.claim({ now: 1_700_000_000_001, runnerId: 'r1', concurrency: 1, laneLimit: () => 1, allowedTypes: ['t'] })
    if (!claimed) throw new Error('nothing claimed')
    const before = rowsOf(claimed.job.id, claimed.run.id)
    const rollback = new Error('rollback')
    fc.assert(
      fc.property(completionOf(claimed.run.id), (completion) => {
        let written: { job: JobRow; run: RunRow } | null = null
        try {
          store.tx(() => {
            expect(store.finishInTx(completion)).toBe(true)
            written = rowsOf(claimed.job.id, claimed.run.id)
            throw rollback
          })
        } catch (error) {
          if (error !== rollback) throw error
        }
        expect(written).not.toBeNull()
        expect(withoutSeq(rowsAfterResult(before.job, before.run, resultRecord(completion)))).toEqual(written)
      }),
      { numRuns: 300 },
    )
  })
})
