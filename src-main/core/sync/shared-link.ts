// Shared mode's link between this instance and the shared database: the connection, the queue
// in PostgreSQL, the cache sync and the outbox. Writes go to PostgreSQL and land in the cache
// at once; an enqueue made offline goes to the cache and the outbox in one transaction and is
// pushed (idempotently: ids are ULIDs made here) when the database is back, then the cache
// catches up. Wake-ups come by LISTEN/NOTIFY; a slow poll is the fallback.
import type { PostgresConfig } from '../../../src-shared/config-schema'
import type { ConnectionState } from '../../../src-shared/connection'
import type { Job, Priority } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { migratePg } from '../store/postgres/pg-schema'
import { describeError, isConnectionError, PgConnection } from '../store/postgres/pg-connection'
import { PgQueue, type PgClaimInput, type PgNewJob, type RowPair } from '../store/postgres/pg-queue'
import type { CacheStore } from '../store/sqlite/cache-store'
import { toJob, type JobRow } from '../store/sqlite/rows'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { LogAppend, NewJob, RunCompletion } from '../store/store-types'
import { CacheSync } from './cache-sync'

/**
 * A notification makes the cache catch up this much later, so a burst of them (every finish of
 * every busy runner notifies) costs one pull, not one each: a pull is 8 round trips and SQLite
 * writes. Runners are woken at once all the same; only the cache (and the UI) waits this long.
 */
const NOTIFY_PULL_DELAY_MS = 100

export interface SharedLinkOptions {
  config: PostgresConfig
  source: 'flag' | 'env' | 'config'
  password?: string
  store: SqliteStore
  cache: CacheStore
  /** After the cache changed: publish the new rows as events. */
  publishChanges: () => void
  onConnection: (state: ConnectionState) => void
  /** Something changed in the shared queue (NOTIFY, or the cache caught up). */
  onWake?: (reason: string) => void
  /** Fallback poll while online (ms). */
  pollMs?: number
  backoff?: { baseMs: number; maxMs: number }
  /** Run before the first pull and on every reconnect (the runner renews its leases). */
  beforeSync?: () => Promise<void>
}

/** What the outbox keeps of a finished run: enough to replay the fenced finish. */
export interface FinishPayload {
  completion: Omit<RunCompletion, 'retryDelay'>
  retryDelays: Array<number | null>
}

export class SharedLink {
  readonly conn: PgConnection
  readonly queue: PgQueue
  readonly sync: CacheSync
  private migrated = false
  private pollTimer: NodeJS.Timeout | null = null
  private pullTimer: NodeJS.Timeout | null = null
  private pushing: Promise<void> | null = null
  /**
   * Outbox entries someone is pushing: the drain's current entry, and each result from
   * recordFinish until its pushFinish is done. Never pushed twice at once.
   */
  private readonly inFlight = new Set<number>()
  private readonly describe: string

  constructor(private readonly options: SharedLinkOptions) {
    this.describe = new URL(options.config.url).host + new URL(options.config.url).pathname
    this.conn = new PgConnection({
      config: options.config,
      source: options.source,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      onState: (state) => options.onConnection(state),
      onNotify: (payload) => {
        options.onWake?.(payload)
        this.schedulePull(NOTIFY_PULL_DELAY_MS)
      },
      onOnline: () => this.cameOnline(),
    })
    this.queue = new PgQueue(this.conn)
    this.sync = new CacheSync(this.conn, options.cache, options.store)
    const last = options.cache.meta('last_sync_at')
    this.conn.patchState({
      lastSyncAt: last ? new Date(Number(last)).toISOString() : null,
      outboxPending: options.cache.outboxCount(),
    })
  }

  get online(): boolean {
    return this.conn.online
  }

  get state(): ConnectionState {
    return this.conn.state
  }

  /** Connects (migrating the schema), pushes the outbox and catches the cache up; false when offline. */
  async start(): Promise<boolean> {
    const online = await this.conn.connect()
    this.pollTimer = setInterval(() => {
      if (this.online) this.schedulePull(0)
    }, this.options.pollMs ?? 2_000)
    return online
  }

  private async cameOnline(): Promise<void> {
    if (!this.migrated) {
      const client = await this.conn.pool.connect()
      try {
        await migratePg(client, this.describe)
      } finally {
        client.release()
      }
      this.migrated = true
    }
    await this.options.beforeSync?.()
    await this.pushOutboxNow()
    await this.pullNow()
  }

  /** Pull soon, coalescing bursts of notifications. */
  schedulePull(delayMs: number): void {
    if (this.pullTimer) return
    this.pullTimer = setTimeout(() => {
      this.pullTimer = null
      void this.pullNow().catch(() => undefined)
    }, delayMs)
  }

  /** Catches the cache up now (after pushing anything waiting in the outbox). */
  async pullNow(): Promise<void> {
    if (this.options.cache.outboxCount() > 0) await this.pushOutboxNow()
    try {
      await this.sync.pull()
    } catch (error) {
      if (!isConnectionError(error)) console.error(`jobdeck: cache sync failed: ${describeError(error)}`)
      else this.conn.lost(error)
      return
    }
    const last = this.options.cache.meta('last_sync_at')
    this.conn.patchState({ lastSyncAt: last ? new Date(Number(last)).toISOString() : null })
    this.options.publishChanges()
    this.options.onWake?.('synced')
  }

  // ── writes ───────────────────────────────────────────────────────────────────────────────

  async enqueue(jobs: readonly NewJob[], now: number): Promise<Job[]> {
    if (this.online) {
      try {
        const rows = await this.queue.enqueue(jobs.map((job, index) => pgNewJob(job, now, index)))
        const byId = new Map(rows.map((r) => [r.id, r]))
        const missing = jobs.filter((j) => !byId.has(j.id))
        if (missing.length > 0) throw new JobdeckError('conflict', `a job with id ${missing[0]?.id} already exists`)
        this.options.cache.apply(rows, [])
        this.options.publishChanges()
        return jobs.map((j) => toJob(byId.get(j.id) as JobRow))
      } catch (error) {
        if (!(error instanceof JobdeckError && error.code === 'unavailable')) throw error
      }
    }
    // Offline: the cache shows the jobs as queued, the outbox carries them to the database.
    const created = this.options.store.tx(() => {
      const added = this.options.store.enqueue(jobs, now)
      this.options.cache.addOutbox('enqueue', jobs.map((job, index) => pgNewJob(job, now, index)), now)
      return added
    })
    this.conn.patchState({ outboxPending: this.options.cache.outboxCount() })
    this.options.publishChanges()
    return created
  }

  private requireOnline(what: string): void {
    if (this.online) return
    const since = this.state.offlineSince ? ` since ${new Date(this.state.offlineSince).toLocaleTimeString()}` : ''
    throw new JobdeckError(
      'unavailable',
      `cannot ${what}: the shared database is offline${since} (${this.state.error ?? 'unreachable'}); try again when it is back`,
    )
  }

  async cancel(id: string, now: number): Promise<{ job: Job; action: 'canceled' | 'requested' }> {
    this.requireOnline('cancel a job')
    const result = await this.queue.cancel(id, now)
    this.options.cache.apply([result.job], [])
    this.options.publishChanges()
    return { job: toJob(result.job), action: result.action }
  }

  async retry(id: string, now: number): Promise<Job> {
    this.requireOnline('retry a job')
    const row = await this.queue.retry(id, now, now * 1000)
    this.options.cache.apply([row], [])
    this.options.publishChanges()
    return toJob(row)
  }

  async setPriority(id: string, priority: Priority): Promise<Job> {
    this.requireOnline('change a priority')
    const row = await this.queue.setPriority(id, priority)
    this.options.cache.apply([row], [])
    this.options.publishChanges()
    return toJob(row)
  }

  async clear(before: number, now: number): Promise<number> {
    this.requireOnline('clear finished jobs')
    const removed = await this.queue.clear(before, now)
    await this.pullNow()
    return removed
  }

  async setPaused(paused: boolean): Promise<void> {
    this.requireOnline(paused ? 'pause the shared queue' : 'resume the shared queue')
    await this.queue.setPaused(paused)
    this.options.store.tx(() => this.options.cache.setMeta('paused', paused ? '1' : '0'))
  }

  /**
   * Claimed rows go into the cache at once, so the UI shows them before the next sync. Relaxed:
   * the claim is already durable in PostgreSQL, and the sync brings it back if power loss drops it here.
   */
  cacheClaims(pairs: readonly RowPair[]): void {
    this.options.cache.apply(
      pairs.map((p) => p.job),
      pairs.map((p) => p.run),
      { relaxed: true },
    )
  }

  // ── outbox ───────────────────────────────────────────────────────────────────────────────

  /**
   * Records a finished run locally and in the outbox in one SQLite transaction; returns the
   * outbox entry, which the caller must hand to `pushFinish` (the drain leaves it alone until
   * then). The commit survives a crash of this process at once; power loss once `durable()`
   * resolved, or once the result is in PostgreSQL. It is announced only after one of the two.
   */
  recordFinish(completion: RunCompletion, retryDelays: Array<number | null>): RecordedFinish {
    const { retryDelay: _ignored, ...plain } = completion
    const payload: FinishPayload = { completion: plain, retryDelays }
    const entryId = this.options.store.relaxedTx(() => {
      this.options.store.finish(completion)
      return this.options.cache.addOutbox('finish', payload, completion.now, completion.runId)
    })
    this.inFlight.add(entryId)
    return { entryId, payload }
  }

  /** Resolves when everything recorded so far survives power loss (one shared fsync; see CacheStore.durable). */
  durable(): Promise<void> {
    return this.options.cache.durable()
  }

  /**
   * The runner's hot path: pushes one recorded result at once and, with `next`, claims the next
   * runs in the same statement (one round trip, one commit). Returns the runs claimed (already
   * in the cache) and whether the result was pushed. Once PostgreSQL committed it the result
   * survives power loss there, so the local commits need no fsync of their own: the entry's drop
   * and the claims are written relaxed too. Whatever goes wrong leaves the entry in the outbox for
   * the drain, which waits out outages and reports refusals, as for results recorded offline.
   */
  async pushFinish(recorded: RecordedFinish, next: PgClaimInput | null): Promise<{ pushed: boolean; claimed: RowPair[] }> {
    const { entryId, payload } = recorded
    let claimed: RowPair[] = []
    let pushed = false
    if (this.online) {
      try {
        const completion = { ...payload.completion, retryDelay: () => null }
        const result = next
          ? await this.queue.finishAndClaim(completion, payload.retryDelays, next)
          : { job: await this.queue.finish(completion, payload.retryDelays), claimed: [] }
        claimed = result.claimed
        pushed = true
        if (!result.job) await this.reportUnrecorded(payload.completion)
      } catch {
        // An outage (the connection announces it and retries) or a refusal: the drain decides.
      }
    }
    if (pushed) {
      this.options.store.relaxedTx(() => {
        this.options.cache.dropOutbox(entryId)
        if (claimed.length > 0) {
          this.options.cache.applyInTx(
            claimed.map((p) => p.job),
            claimed.map((p) => p.run),
          )
        }
      })
    }
    this.inFlight.delete(entryId)
    if (!pushed) {
      this.conn.patchState({ outboxPending: this.options.cache.outboxCount() })
      if (this.online) void this.pushOutbox()
    }
    return { pushed, claimed }
  }

  recordLogs(lines: readonly LogAppend[], limitFor: (runId: string) => number): void {
    this.options.store.tx(() => {
      this.options.store.appendLogs(lines, limitFor)
      this.options.cache.addOutbox('logs', lines, Date.now())
    })
  }

  /** Pushes the outbox in order; stops at the first sign of an outage (the rest waits). */
  pushOutbox(): Promise<void> {
    if (!this.online) return Promise.resolve()
    return this.pushOutboxNow().catch(() => undefined)
  }

  private pushOutboxNow(): Promise<void> {
    this.pushing ??= this.drainOutbox().finally(() => {
      this.pushing = null
      this.conn.patchState({ outboxPending: this.options.cache.outboxCount() })
    })
    return this.pushing
  }

  private async drainOutbox(): Promise<void> {
    for (;;) {
      // Entries are written with relaxed commits: none is pushed before it survives power loss.
      await this.options.cache.durable()
      const entries = this.options.cache.outbox(100 + this.inFlight.size).filter((e) => !this.inFlight.has(e.id))
      if (entries.length === 0) return
      for (const entry of entries) {
        // pushFinish may have pushed it since the list was read.
        if (this.inFlight.has(entry.id) || !this.options.cache.hasOutbox(entry.id)) continue
        this.inFlight.add(entry.id)
        try {
          await this.pushEntry(entry.kind, entry.payload)
        } catch (error) {
          if (isConnectionError(error) || (error instanceof JobdeckError && error.code === 'unavailable')) throw error
          // A deadlock or serialization failure: the statement may simply be tried again later.
          if (isTransient(error)) throw error
          // Not an outage: the entry itself cannot be applied. It is reported and dropped, never retried forever.
          console.error(`jobdeck: outbox ${entry.kind} #${entry.id} was refused by the database and dropped: ${describeError(error)}`)
        } finally {
          this.inFlight.delete(entry.id)
        }
        this.dropPushed(entry.id, entry.kind)
      }
    }
  }

  /**
   * A fenced finish that changed nothing: silent when this runner had already recorded it (an
   * entry pushed again after a crash or power loss), reported when another runner took the run over.
   */
  private async reportUnrecorded(completion: FinishPayload['completion']): Promise<void> {
    const owner = await this.queue.runOwner(completion.runId).catch(() => null)
    if (owner && owner.runnerId === completion.runnerId && owner.status !== 'running') return
    console.error(
      `jobdeck: the result of run ${completion.runId} was not recorded: the run was no longer this runner's ` +
        '(its lease expired and another runner rescued it)',
    )
  }

  /**
   * Drops a pushed entry. Results and enqueues are idempotent in the database (fenced, by id), so
   * the drop may be lost to power loss: the entry is pushed again and changes nothing. Log lines
   * are not, so their drop waits for the disk.
   */
  private dropPushed(entryId: number, kind: string): void {
    if (kind === 'logs') this.options.cache.dropOutbox(entryId)
    else this.options.store.relaxedTx(() => this.options.cache.dropOutbox(entryId))
  }

  private async pushEntry(kind: string, payload: string): Promise<void> {
    if (kind === 'enqueue') {
      await this.queue.enqueue(JSON.parse(payload) as PgNewJob[])
    } else if (kind === 'finish') {
      const { completion, retryDelays } = JSON.parse(payload) as FinishPayload
      const job = await this.queue.finish({ ...completion, retryDelay: () => null }, retryDelays)
      if (!job) await this.reportUnrecorded(completion)
    } else if (kind === 'logs') {
      await this.queue.appendLogs(JSON.parse(payload) as LogAppend[], () => 1024 * 1024)
    }
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer)
    if (this.pullTimer) clearTimeout(this.pullTimer)
    this.pollTimer = null
    this.pullTimer = null
    await this.pushing?.catch(() => undefined)
    await this.conn.close()
    this.options.cache.close()
  }
}

/** A result in the outbox, as `recordFinish` wrote it. */
export interface RecordedFinish {
  entryId: number
  payload: FinishPayload
}

/** Serialization failure or deadlock: the transaction was rolled back and may simply run again. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '40001' || code === '40P01'
}

export function pgNewJob(job: NewJob, now: number, index: number): PgNewJob {
  return {
    id: job.id,
    type: job.type,
    params: JSON.stringify(job.params),
    priority: job.priority,
    lane: job.lane,
    ord: now * 1000 + (index % 1000),
    createdAt: now,
  }
}
