// Shared mode's local side: the SQLite copy of the shared history (mirrored row by row, so every
// local read — history, search, stats, timeline — works offline unchanged) and the outbox of
// what this instance did while the shared database was unreachable.
import type { SqliteStore } from './sqlite-store'
import type { JobRow, RunRow } from './rows'
import type { SqliteDatabase } from './open-database'
import { WalSync } from './wal-sync'

const JOB_COLUMNS = [
  'id', 'type', 'params', 'priority', 'lane', 'status', 'ord', 'attempts', 'failures', 'interruptions', 'created_at',
  'queued_at', 'run_after', 'finished_at', 'last_run_id', 'cancel_requested', 'error',
] as const

const RUN_COLUMNS = [
  'id', 'job_id', 'type', 'lane', 'params', 'attempt', 'status', 'queued_at', 'started_at', 'finished_at', 'exit_code',
  'signal', 'error', 'progress_percent', 'progress_current', 'progress_total', 'progress_message', 'items_ok',
  'items_failed', 'runner_id', 'pid', 'pid_start', 'log_bytes', 'log_truncated', 'peak_rss_bytes', 'cpu_seconds',
] as const

/**
 * Secondary indexes an initial sync may drop while it bulk-loads and build again at the end:
 * maintaining them row by row is two thirds of the cost of writing runs (13 indexes), building
 * one afterwards is a sort. Only indexes no statement names with INDEXED BY (it would fail while
 * the index is missing; a test checks this list against the store's statements); meanwhile the
 * history and change-feed queries that use them are slower, never wrong.
 */
export const DEFERRABLE_INDEXES: Readonly<Record<'jobs' | 'runs', readonly string[]>> = {
  jobs: ['jobs_seq'],
  runs: ['runs_job', 'runs_started', 'runs_status_started', 'runs_type_status_started', 'runs_seq'],
}

export type OutboxKind = 'enqueue' | 'finish' | 'logs'

export interface OutboxEntry {
  id: number
  kind: OutboxKind
  payload: string
  createdAt: number
}

/**
 * A mirrored row replaces the cached one, except while this instance holds a result for it that
 * the database has not seen yet (a finish in the outbox): the older database row must not undo it.
 */
function upsertSql(table: 'jobs' | 'runs', columns: readonly string[]): string {
  const names = [...columns, 'seq']
  const runId = table === 'runs' ? 'excluded.id' : 'excluded.last_run_id'
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})
    ON CONFLICT (id) DO UPDATE SET ${names.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')}
    WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE ref = ${runId})`
}

export class CacheStore {
  private readonly stmt
  private readonly walSync: WalSync
  private readonly fullSync: boolean
  /** total_changes() covered by the last completed flush, and by the one requested last. */
  private flushedMark = 0
  private requested: { mark: number; done: Promise<void> } | null = null

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: SqliteStore,
  ) {
    this.fullSync = (db.pragma('synchronous', { simple: true }) as number) >= 2
    this.walSync = new WalSync(`${db.name}-wal`)
    this.stmt = {
      upsertJob: db.prepare(upsertSql('jobs', JOB_COLUMNS)),
      upsertRun: db.prepare(upsertSql('runs', RUN_COLUMNS)),
      jobExists: db.prepare('SELECT 1 FROM jobs WHERE id = ?').pluck(),
      bumpSeq: db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER) AS value`).pluck(),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      addOutbox: db.prepare('INSERT INTO outbox (kind, ref, payload, created_at) VALUES (?, ?, ?, ?)'),
      outbox: db.prepare('SELECT id, kind, payload, created_at AS createdAt FROM outbox ORDER BY id LIMIT ?'),
      dropOutbox: db.prepare('DELETE FROM outbox WHERE id = ?'),
      hasOutbox: db.prepare('SELECT 1 FROM outbox WHERE id = ?').pluck(),
      outboxCount: db.prepare('SELECT count(*) FROM outbox').pluck(),
      totalChanges: db.prepare('SELECT total_changes()').pluck(),
    }
    // A bulk load that crashed left some indexes dropped: build them before anything reads.
    this.restoreIndexesNow()
  }

  /**
   * Writes mirrored rows (jobs first: runs reference them) in one transaction, as one change.
   * `relaxed`: committed without waiting for the disk (see SqliteStore.relaxedTx), for rows the
   * shared database already holds durably: power loss can only make the cache re-pull them.
   */
  apply(jobs: readonly JobRow[], runs: readonly RunRow[], options: { relaxed?: boolean } = {}): void {
    if (jobs.length === 0 && runs.length === 0) return
    if (options.relaxed) this.store.relaxedTx(() => this.applyInTx(jobs, runs))
    else this.store.tx(() => this.applyInTx(jobs, runs))
  }

  /**
   * Resolves once every transaction committed so far survives power loss: relaxed commits are
   * flushed together by one fsync of the WAL on libuv's thread pool (see WalSync), so the event
   * loop never waits for the disk and results finishing together share one flush.
   */
  durable(): Promise<void> {
    if (!this.fullSync) return Promise.resolve()
    // Nothing written since a flush that covers it, or a flush asked for after it: no new fsync.
    const mark = this.stmt.totalChanges.get() as number
    if (mark <= this.flushedMark) return Promise.resolve()
    if (this.requested && this.requested.mark >= mark) return this.requested.done
    const done = this.walSync
      .sync()
      .catch(() => {
        // The WAL could not be flushed directly: a checkpoint syncs it.
        this.db.pragma('wal_checkpoint(PASSIVE)')
      })
      .then(() => {
        this.flushedMark = Math.max(this.flushedMark, mark)
      })
    this.requested = { mark, done }
    return done
  }

  close(): void {
    this.walSync.close()
  }

  /**
   * Drops a table's deferrable indexes for a bulk load, keeping their definitions in meta in the
   * same transaction, so `restoreIndexes` builds them again even after a crash mid-load.
   */
  deferIndexes(table: 'jobs' | 'runs'): void {
    const names = DEFERRABLE_INDEXES[table]
    this.store.tx(() => {
      const found = this.db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`)
        .all(table) as Array<{ name: string; sql: string }>
      const dropped = found.filter((index) => names.includes(index.name))
      if (dropped.length === 0) return
      const pending = [...this.deferredIndexes(), ...dropped]
      this.setMeta('deferred_indexes', JSON.stringify(pending))
      for (const index of dropped) this.db.exec(`DROP INDEX ${index.name}`)
    })
  }

  /** Builds every index a bulk load dropped (one transaction each, so the loop can breathe between). */
  async restoreIndexes(): Promise<void> {
    for (;;) {
      const [next, ...rest] = this.deferredIndexes()
      if (!next) return
      this.store.relaxedTx(() => {
        const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(next.name)
        if (!exists) this.db.exec(next.sql)
        if (rest.length > 0) this.setMeta('deferred_indexes', JSON.stringify(rest))
        else this.db.prepare(`DELETE FROM meta WHERE key = 'deferred_indexes'`).run()
      })
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /** The same, all at once: at start, before anything reads the cache. */
  restoreIndexesNow(): void {
    const pending = this.deferredIndexes()
    if (pending.length === 0) return
    this.store.tx(() => {
      for (const index of pending) {
        const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(index.name)
        if (!exists) this.db.exec(index.sql)
      }
      this.db.prepare(`DELETE FROM meta WHERE key = 'deferred_indexes'`).run()
    })
  }

  private deferredIndexes(): Array<{ name: string; sql: string }> {
    const text = this.meta('deferred_indexes')
    return text ? (JSON.parse(text) as Array<{ name: string; sql: string }>) : []
  }

  /** For callers already inside `store.tx` (the outbox entry and the state change commit together). */
  applyInTx(jobs: readonly JobRow[], runs: readonly RunRow[]): void {
    const seq = this.stmt.bumpSeq.get() as number
    for (const job of jobs) this.stmt.upsertJob.run(...JOB_COLUMNS.map((c) => job[c]), seq)
    for (const run of runs) {
      // A run whose job this cache never saw (cleared here, or outside the synced range) is skipped.
      if (!this.stmt.jobExists.get(run.job_id)) continue
      this.stmt.upsertRun.run(...RUN_COLUMNS.map((c) => run[c]), seq)
    }
  }

  /** Raw array rows from the sync, in column order (the fast path of the initial sync); inside `store.tx`. */
  applyArraysInTx(jobs: readonly unknown[][], runs: readonly unknown[][]): void {
    const seq = this.stmt.bumpSeq.get() as number
    for (const job of jobs) this.stmt.upsertJob.run(...job, seq)
    for (const run of runs) if (this.stmt.jobExists.get(run[1])) this.stmt.upsertRun.run(...run, seq)
  }

  meta(key: string): string | null {
    return (this.stmt.getMeta.get(key) as string | undefined) ?? null
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value)
  }

  /** `ref`: the run a finish is about. Returns the entry's id. */
  addOutbox(kind: OutboxKind, payload: unknown, now: number, ref: string | null = null): number {
    return Number(this.stmt.addOutbox.run(kind, ref, JSON.stringify(payload), now).lastInsertRowid)
  }

  hasOutbox(id: number): boolean {
    return this.stmt.hasOutbox.get(id) !== undefined
  }

  outbox(limit: number): OutboxEntry[] {
    return this.stmt.outbox.all(limit) as OutboxEntry[]
  }

  dropOutbox(id: number): void {
    this.stmt.dropOutbox.run(id)
  }

  outboxCount(): number {
    return this.stmt.outboxCount.get() as number
  }

  static readonly jobColumns = JOB_COLUMNS
  static readonly runColumns = RUN_COLUMNS
}
