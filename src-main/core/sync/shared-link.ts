// Shared mode's link between this instance and the shared database: the connection, the queue
// in PostgreSQL, the cache sync and the outbox. Writes go to PostgreSQL and land in the cache
// at once; an enqueue made offline goes to the cache and the outbox in one transaction and is
// pushed (idempotently: ids are ULIDs made here) when the database is back, then the cache
// catches up. Wake-ups come by LISTEN/NOTIFY; a slow poll is the fallback.
import type { PostgresConfig } from '../../../src-shared/config-schema'
import type { DatabaseState } from '../../../src-shared/connection'
import type { Job, Priority } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { migratePg } from '../store/postgres/pg-schema'
import { describeError, isConnectionError, PgConnection } from '../store/postgres/pg-connection'
import { PgQueue, pgNewJob, type PgClaimInput, type PgNewJob, type RowPair } from '../store/postgres/pg-queue'
import type { CacheStore } from '../store/sqlite/cache-store'
import { toJob, type JobRow } from '../store/sqlite/rows'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { LogAppend, NewJob, RunCompletion } from '../store/store-types'
import { CacheAfterPush, type FinishPayload } from './cache-after-push'
import { CacheSync } from './cache-sync'
import { PgSchedules } from '../store/postgres/pg-schedules'
import type { ScheduleStore } from '../store/schedule-store'
import { SqliteSchedules } from '../store/sqlite/schedule-fires'
import { SharedSchedules, type FirePayload } from './shared-schedules'
import { PgAlerts } from '../store/postgres/pg-alerts'
import { SharedAlerts, type SharedAlertKeys } from './shared-alerts'

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
  onConnection: (state: DatabaseState) => void
  /** Something changed in the shared queue (NOTIFY, or the cache caught up). */
  onWake?: (reason: string) => void
  /** Fallback poll while online (ms). */
  pollMs?: number
  backoff?: { baseMs: number; maxMs: number }
  /** Run before the first pull and on every reconnect (the runner renews its leases). */
  beforeSync?: () => Promise<void>
}

export class SharedLink {
  private readonly conn: PgConnection
  private readonly queue: PgQueue
  private readonly sync: CacheSync
  private readonly fires: SharedSchedules
  private readonly alertKeys: SharedAlerts
  private migrated = false
  private pollTimer: NodeJS.Timeout | null = null
  private pullTimer: NodeJS.Timeout | null = null
  private pushing: Promise<void> | null = null
  /**
   * Outbox entries someone is pushing: the drain's current entry, and each result from
   * recordFinishes until its push is decided and its drop committed. Never pushed twice at once.
   */
  private readonly inFlight = new Set<number>()
  private readonly describe: string
  /** The local record of results, with the cache writes pushes left (see finishRuns). */
  private readonly afterPush: CacheAfterPush

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
    this.fires = new SharedSchedules({
      pg: new PgSchedules(this.conn),
      local: new SqliteSchedules(options.store),
      store: options.store,
      cache: options.cache,
      online: () => this.online,
      publishChanges: options.publishChanges,
      outboxChanged: () => this.conn.patchState({ outboxPending: options.cache.outboxCount() }),
    })
    this.alertKeys = new SharedAlerts(new PgAlerts(this.conn), () => this.online)
    this.afterPush = new CacheAfterPush({
      store: options.store,
      cache: options.cache,
      inFlight: this.inFlight,
      publishChanges: options.publishChanges,
    })
    const last = options.cache.meta('last_sync_at')
    this.conn.patchState({
      lastSyncAt: last ? new Date(Number(last)).toISOString() : null,
      outboxPending: options.cache.outboxCount(),
    })
  }

  /**
   * The shared queue's statements, for the runner's engine alone (engines/pg-engine.ts: claims,
   * leases, rescue); everything else goes through this link's methods.
   */
  queueForEngine(): PgQueue {
    return this.queue
  }

  /** Schedules' fires and pauses in the shared database; fires made offline go through the outbox. */
  get schedules(): ScheduleStore {
    return this.fires
  }

  /** Alert keys claimed once across instances, and the shared snoozes (core/alerts). */
  get alerts(): SharedAlertKeys {
    return this.alertKeys
  }

  /** A run's output as the shared database has it (a run of another instance). */
  sharedLogs(runId: string, afterId: number, limit: number): ReturnType<PgQueue['logs']> {
    return this.queue.logs(runId, afterId, limit)
  }

  get online(): boolean {
    return this.conn.online
  }

  /** The shared database's connection, for retention's passes on it (core/retention/pg-retention.ts). */
  get connection(): PgConnection {
    return this.conn
  }

  get state(): DatabaseState {
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
    this.afterPush.flushSafely()
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

  async restore(id: string): Promise<Job> {
    this.requireOnline('put a canceled job back')
    const row = await this.queue.restore(id)
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

  async startNow(id: string): Promise<Job> {
    this.requireOnline('start a job now')
    const row = await this.queue.startNow(id)
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
   * The runner's hot path. Results are pushed at once, with the claim of the next runs in the
   * same statement (one round trip, one commit), and recorded locally (the cache's state change
   * and the outbox entry, in one SQLite commit) while that statement is on its way, so the local
   * commit costs no time between one run and the next. Should the process die in between, the
   * statement committed (the results are in PostgreSQL) or it did not (the runs are rescued when
   * their leases expire, as if the process had died a moment earlier). If the push fails, the
   * results are in the outbox and the drain pushes them when the database is back, or reports a
   * refusal. Once PostgreSQL committed them they survive power loss there, so the local writes
   * that follow (the entries' drops, the claimed rows) need no fsync, nor a commit of their own:
   * they wait (cache-after-push.ts) for the next results recorded or the event loop's next turns, and
   * are published then. Not pushed: the caller announces the results once `durable()` resolved.
   * (A publish for other changes in between shows the recorded results earlier; only a crash in
   * that moment could make one of them come back as interrupted.)
   */
  async finishRuns(results: readonly RunCompletion[], next: PgClaimInput | null): Promise<{ pushed: boolean; claimed: RowPair[] }> {
    const push = this.online
      ? this.queue.finishAndClaim(results, next).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
      : null
    // Taken now, so the flush scheduled for them does not commit them on its own meanwhile.
    const waiting = this.afterPush.take()
    // The pool hands the statement to the socket on a later tick: let it, before SQLite takes the thread.
    if (push) await new Promise<void>((resolve) => setImmediate(resolve))
    let recorded: number[] = []
    try {
      recorded = this.afterPush.record(results, waiting)
    } catch (error) {
      console.error(
        `jobdeck: could not record the results of runs ${results.map((r) => r.runId).join(', ')} locally: ${describeError(error)}`,
      )
    }
    const outcome = push ? await push : null
    if (outcome && !(outcome instanceof Error)) {
      for (const completion of results) {
        if (!outcome.finished.get(completion.runId)) await this.reportUnrecorded(completion)
      }
      this.afterPush.leave(recorded, outcome.claimed)
      return { pushed: true, claimed: outcome.claimed }
    }
    // An outage (the connection announces it and retries) or a refusal: the drain decides.
    for (const id of recorded) this.inFlight.delete(id)
    this.conn.patchState({ outboxPending: this.options.cache.outboxCount() })
    if (this.online) void this.pushOutbox()
    return { pushed: false, claimed: [] }
  }

  /** Resolves when everything recorded so far survives power loss (one shared fsync; see CacheStore.durable). */
  durable(): Promise<void> {
    return this.options.cache.durable()
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
        // finishRuns may have pushed it since the list was read.
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
  private async reportUnrecorded(completion: Pick<RunCompletion, 'runId' | 'runnerId'>): Promise<void> {
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
      const entry = JSON.parse(payload) as FinishPayload
      const completion = 'retryDelays' in entry ? await this.queue.decideLegacy(entry) : entry.completion
      const job = await this.queue.finish(completion)
      if (!job) await this.reportUnrecorded(completion)
    } else if (kind === 'logs') {
      await this.queue.appendLogs(JSON.parse(payload) as LogAppend[], () => 1024 * 1024)
    } else if (kind === 'fire') {
      await this.fires.push(JSON.parse(payload) as FirePayload)
    }
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer)
    if (this.pullTimer) clearTimeout(this.pullTimer)
    this.pollTimer = null
    this.pullTimer = null
    await this.pushing?.catch(() => undefined)
    this.afterPush.flushSafely()
    await this.conn.close()
    this.options.cache.close()
  }
}


/** Serialization failure or deadlock: the transaction was rolled back and may simply run again. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '40001' || code === '40P01'
}
