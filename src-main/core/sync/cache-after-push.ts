// Shared mode's local record of the runner's hot path (shared-link.ts finishRuns): the results
// of a batch into the cache and the outbox in one SQLite commit, together with the cache writes
// the previous push left (the rows it claimed, the outbox entries it settled). Those need no
// commit of their own: PostgreSQL has them durably, so they wait for the next results recorded
// or, failing that, two turns of the event loop.
import { describeError } from '../store/postgres/pg-connection'
import type { LegacyFinishPayload, RowPair } from '../store/postgres/pg-queue'
import { resultRecord, rowsAfterResult } from '../store/result-record'
import type { CacheStore } from '../store/sqlite/cache-store'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { RunCompletion } from '../store/store-types'

/**
 * What the outbox keeps of a finished run: enough to replay the fenced finish. An entry written
 * before the runner decided the job's next state (`transition`) carries the retry delays instead.
 */
export type FinishPayload = { completion: RunCompletion } | LegacyFinishPayload

/** Cache writes a push left: the outbox entries it settled and the rows it claimed. */
export interface AfterPush {
  /** Outbox entries pushed: still in flight until their drop is committed. */
  drops: number[]
  claims: RowPair[]
}

export interface CacheAfterPushOptions {
  store: SqliteStore
  cache: CacheStore
  /** Outbox entries someone is pushing (shared with the outbox drain, which leaves them alone). */
  inFlight: Set<number>
  publishChanges: () => void
}

export class CacheAfterPush {
  private waiting: AfterPush = { drops: [], claims: [] }
  private scheduled = false

  constructor(private readonly options: CacheAfterPushOptions) {}

  /** What a push left; committed with the next results recorded, or soon on its own. */
  leave(drops: readonly number[], claims: readonly RowPair[]): void {
    this.waiting.drops.push(...drops)
    this.waiting.claims.push(...claims)
    if (this.scheduled) return
    this.scheduled = true
    // Two turns: results that finish right away (the runs just claimed, if they are quick) are
    // recorded at the end of this turn and take these writes into their own commit.
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false
        this.flushSafely()
      }),
    )
  }

  /** Taken when a push is sent, so the flush scheduled for them does not commit them on its own meanwhile. */
  take(): AfterPush {
    const waiting = this.waiting
    this.waiting = { drops: [], claims: [] }
    return waiting
  }

  /**
   * Finished runs into the cache and the outbox, in one SQLite commit with `waiting` (claimed
   * rows first: a result may be about one of them). The entries stay in flight until the push
   * decided about them. Returns their ids.
   */
  record(results: readonly RunCompletion[], waiting: AfterPush): number[] {
    const { store, cache } = this.options
    const entryIds = this.commit(waiting, () => {
      const merged = this.applyInTx(waiting, results)
      return results.map((completion) => {
        if (!merged.has(completion.runId)) store.finishInTx(completion)
        const payload: FinishPayload = { completion }
        return cache.addOutbox('finish', payload, completion.now, completion.runId)
      })
    })
    for (const id of entryIds) this.options.inFlight.add(id)
    return entryIds
  }

  /** Commits what pushes left, if no results recorded took it along. Never throws. */
  flushSafely(): void {
    const waiting = this.take()
    if (waiting.drops.length === 0 && waiting.claims.length === 0) return
    try {
      this.commit(waiting, () => this.applyInTx(waiting, []))
    } catch (error) {
      // The entries stay in the outbox (pushed again, changing nothing); the sync brings the claims.
      console.error(`jobdeck: could not update the cache after a push: ${describeError(error)}`)
      for (const id of this.waiting.drops) this.options.inFlight.delete(id)
      this.waiting = { drops: [], claims: [] }
    }
  }

  private commit<T>(waiting: AfterPush, write: () => T): T {
    let result: T
    try {
      result = this.options.store.relaxedTx(write)
    } catch (error) {
      this.waiting.drops.unshift(...waiting.drops)
      this.waiting.claims.unshift(...waiting.claims)
      throw error
    }
    for (const id of waiting.drops) this.options.inFlight.delete(id)
    if (waiting.drops.length > 0 || waiting.claims.length > 0) this.options.publishChanges()
    return result
  }

  /**
   * A run claimed and finished within this commit is written once, in its final state; returns
   * those runs (their result needs no second write).
   */
  private applyInTx(waiting: AfterPush, results: readonly RunCompletion[]): Set<string> {
    const merged = new Set<string>()
    if (waiting.claims.length > 0) {
      const finishing = new Map(results.map((c) => [c.runId, c]))
      const rows = waiting.claims.map((pair) => {
        const completion = finishing.get(pair.run.id)
        if (!completion || completion.runnerId !== pair.run.runner_id || pair.run.status !== 'running') return pair
        merged.add(pair.run.id)
        return rowsAfterResult(pair.job, pair.run, resultRecord(completion))
      })
      this.options.cache.applyInTx(
        rows.map((p) => p.job),
        rows.map((p) => p.run),
      )
    }
    for (const id of waiting.drops) this.options.cache.dropOutbox(id)
    return merged
  }
}
