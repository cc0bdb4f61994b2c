// Shared mode's local side: the SQLite copy of the shared history (mirrored row by row, so every
// local read — history, search, stats, timeline — works offline unchanged) and the outbox of
// what this instance did while the shared database was unreachable.
import type { SqliteStore } from './sqlite-store'
import type { JobRow, RunRow } from './rows'
import type { SqliteDatabase } from './open-database'
import { WalSync } from './wal-sync'

const JOB_COLUMNS = [
  'id', 'type', 'params', 'priority', 'lane', 'status', 'ord', 'attempts', 'failures', 'interruptions', 'created_at',
  'queued_at', 'run_after', 'finished_at', 'last_run_id', 'cancel_requested', 'error', 'schedule', 'start_now',
] as const

const RUN_COLUMNS = [
  'id', 'job_id', 'type', 'lane', 'params', 'attempt', 'status', 'queued_at', 'started_at', 'finished_at', 'exit_code',
  'signal', 'error', 'progress_percent', 'progress_current', 'progress_total', 'progress_message', 'items_ok',
  'items_failed', 'runner_id', 'pid', 'pid_start', 'log_bytes', 'log_truncated', 'peak_rss_bytes', 'cpu_seconds',
  'processes_stopped', 'gate_bypassed',
] as const

/**
 * Secondary indexes an initial sync may drop while it bulk-loads and build again at the end:
 * maintaining them row by row is two thirds of the cost of writing runs (13 indexes), building
 * one afterwards is a sort. Only indexes no statement names with INDEXED BY (it would fail while
 * the index is missing; a test checks this list against the store's statements); meanwhile the
 * history and change-feed queries that use them are slower, never wrong.
 */
export const DEFERRABLE_INDEXES: Readonly<Record<'jobs' | 'runs', readonly string[]>> = {
  jobs: ['jobs_seq', 'jobs_status_finished'],
  runs: ['runs_job', 'runs_started', 'runs_status_started', 'runs_type_status_started', 'runs_seq'],
}

/**
 * Triggers that keep derived tables (job counts, per-type stats, the search documents of
 * migration 7, the waiting jobs per lane of migration 16) in step row by row. A bulk load drops all of a table's (insert, update and delete
 * alike, so nothing is half-maintained meanwhile) and recomputes what they maintain from the
 * whole table at the end, in the transaction that creates them again: a third of the cost of
 * writing a run otherwise. Meanwhile counters, stats and search lag behind the rows; they are
 * never left wrong.
 */
export const DEFERRABLE_TRIGGERS: Readonly<Record<'jobs' | 'runs', readonly string[]>> = {
  jobs: ['job_counts_insert', 'job_counts_update', 'job_counts_delete', 'lane_counts_insert', 'lane_counts_update', 'lane_counts_delete'],
  runs: [
    'type_stats_insert_finished', 'type_stats_finish', 'type_stats_delete',
    'run_search_finish', 'run_search_insert_finished', 'run_search_update', 'run_search_delete',
  ],
}

const DEFERRABLE = new Set([...Object.values(DEFERRABLE_INDEXES), ...Object.values(DEFERRABLE_TRIGGERS)].flat())

/**
 * What the deferred triggers maintain, recomputed from the whole table (rows there before the
 * load or written meanwhile included). Full scans: through an index each row would be a lookup.
 */
const RECOMPUTE: Readonly<Record<'jobs' | 'runs', string>> = {
  jobs: `
    DELETE FROM job_counts;
    INSERT INTO job_counts (type, status, n) SELECT type, status, count(*) FROM jobs NOT INDEXED GROUP BY type, status;
    -- Through the ready index: it holds exactly the waiting jobs, however long the history.
    DELETE FROM lane_counts;
    INSERT INTO lane_counts (lane, waiting) SELECT lane, count(*) FROM jobs INDEXED BY jobs_ready
      WHERE status IN ('queued','retrying') AND source IS NULL GROUP BY lane;`,
  runs: `
    DELETE FROM type_stats;
    INSERT INTO type_stats (type, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration)
      SELECT type, count(*), sum(status = 'succeeded'), sum(status = 'partial'), sum(status = 'failed'),
        sum(status = 'canceled'), sum(status = 'interrupted'),
        sum(max(0, coalesce(finished_at, started_at) - started_at)), max(max(0, coalesce(finished_at, started_at) - started_at))
      FROM runs NOT INDEXED WHERE status <> 'running' GROUP BY type;
    -- A type's last run: the one finished last (a bare column takes its values from the max() row).
    UPDATE type_stats SET last_run_id = last.id, last_status = last.status, last_finished_at = last.finished_at
      FROM (SELECT type, id, status, max(finished_at) AS finished_at FROM runs NOT INDEXED WHERE status <> 'running' GROUP BY type) AS last
      WHERE type_stats.type = last.type;
    -- One search document per finished run with text, keyed by its start (as migration 7 builds them).
    INSERT INTO run_search (run_search) VALUES ('delete-all');
    INSERT INTO run_search (rowid, text, facets, run_id)
      SELECT started_at * 2097152 + row_number() OVER (PARTITION BY started_at ORDER BY id) - 1,
        coalesce(error, '') || char(10) || coalesce((SELECT group_concat(l.text, char(10)) FROM run_logs l WHERE l.run_id = runs.id), ''),
        't' || hex(type) || ' s' || status, id
      FROM runs NOT INDEXED WHERE status <> 'running' AND (error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs l WHERE l.run_id = runs.id))
      ORDER BY 1;`,
}

/**
 * This connection's settings while it bulk-loads, restored at the end: a larger page cache (index
 * and table pages stay in memory between batches; index builds sort in memory) and checkpoints
 * every 40 MB of WAL rather than 4 MB: about 4% on 300k rows.
 */
const BULK_PRAGMAS: Readonly<Record<string, number>> = { cache_size: -65536, wal_autocheckpoint: 10000 }

interface Deferred {
  name: string
  sql: string
  /** Absent in entries written before triggers were deferred too. */
  type?: 'index' | 'trigger'
}

export type OutboxKind = 'enqueue' | 'finish' | 'logs' | 'fire'

export interface OutboxEntry {
  id: number
  kind: OutboxKind
  payload: string
  createdAt: number
}

/**
 * A mirrored row replaces the cached one, except while this instance holds a result for it that
 * the database has not seen yet (a finish in the outbox): the older database row must not undo it.
 * Nor may a run that finished here go back to running: runs never restart (a retry is a new run),
 * so such a row was read before the finish committed. A row equal to the cached one is left alone:
 * the cache already shows it (most rows a pull brings are this instance's own claims and results),
 * so it costs no index writes and is not published again.
 */
function upsertSql(table: 'jobs' | 'runs', columns: readonly string[]): string {
  const names = [...columns, 'seq']
  const runId = table === 'runs' ? 'excluded.id' : 'excluded.last_run_id'
  const changed = columns.filter((c) => c !== 'id').map((c) => `${table}.${c} IS NOT excluded.${c}`)
  const monotonic = table === 'runs' ? ` AND NOT (runs.status <> 'running' AND excluded.status = 'running')` : ''
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})
    ON CONFLICT (id) DO UPDATE SET ${names.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')}
    WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE ref = ${runId})${monotonic} AND (${changed.join(' OR ')})`
}

function insertSql(table: 'jobs' | 'runs', columns: readonly string[]): string {
  const names = [...columns, 'seq']
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`
}

function isConflict(error: unknown): boolean {
  const code = constraintCode(error)
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

function constraintCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT') ? code : undefined
}

export class CacheStore {
  private readonly stmt
  private readonly walSync: WalSync
  private readonly fullSync: boolean
  /** The bulk-load path lets the foreign key check skip runs whose job is not cached. */
  private readonly foreignKeys: boolean
  /** total_changes() covered by the last completed flush, and by the one requested last. */
  private flushedMark = 0
  private requested: { mark: number; done: Promise<void> } | null = null
  /** This connection's settings before a bulk load changed them (see BULK_PRAGMAS). */
  private pragmasBefore: Record<string, unknown> | null = null

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: SqliteStore,
  ) {
    this.fullSync = (db.pragma('synchronous', { simple: true }) as number) >= 2
    this.foreignKeys = (db.pragma('foreign_keys', { simple: true }) as number) === 1
    this.walSync = new WalSync(`${db.name}-wal`)
    this.stmt = {
      upsertJob: db.prepare(upsertSql('jobs', JOB_COLUMNS)),
      upsertRun: db.prepare(upsertSql('runs', RUN_COLUMNS)),
      insertJob: db.prepare(insertSql('jobs', JOB_COLUMNS)),
      insertRun: db.prepare(insertSql('runs', RUN_COLUMNS)),
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
      forgetJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
    }
    // A bulk load that crashed left indexes and triggers dropped: restore them before anything reads.
    this.endBulkLoadNow()
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
   * Starts a bulk load of a table: drops its deferrable indexes and triggers, keeping their
   * definitions (and what must be recomputed) in meta in the same transaction, so `endBulkLoad`
   * restores everything even after a crash mid-load (the constructor calls `endBulkLoadNow`).
   */
  beginBulkLoad(table: 'jobs' | 'runs'): void {
    if (!this.pragmasBefore) {
      this.pragmasBefore = {}
      for (const [name, value] of Object.entries(BULK_PRAGMAS)) {
        this.pragmasBefore[name] = this.db.pragma(name, { simple: true })
        this.db.pragma(`${name} = ${value}`)
      }
    }
    this.store.tx(() => {
      const found = this.db
        .prepare(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL`)
        .all(table) as Array<Required<Deferred>>
      const dropped = found.filter((entry) =>
        (entry.type === 'index' ? DEFERRABLE_INDEXES : DEFERRABLE_TRIGGERS)[table].includes(entry.name),
      )
      if (dropped.length === 0) return
      this.setMeta('deferred_indexes', JSON.stringify([...this.deferred(), ...dropped]))
      if (dropped.some((entry) => entry.type === 'trigger')) {
        this.setMeta('deferred_recompute', JSON.stringify([...new Set([...this.recomputes(), table])]))
      }
      for (const entry of dropped) this.db.exec(`DROP ${entry.type.toUpperCase()} ${entry.name}`)
    })
  }

  /**
   * Ends every bulk load: first, in one transaction, recomputes what the dropped triggers
   * maintain and creates them again (nothing can write in between); then builds the dropped
   * indexes, one transaction each, so the event loop can breathe between them.
   */
  async endBulkLoad(): Promise<void> {
    try {
      if (this.recomputes().length > 0 || this.deferred().some((entry) => entry.type === 'trigger')) {
        this.store.relaxedTx(() => this.restoreTriggersInTx())
      }
      for (;;) {
        const [next, ...rest] = this.deferred()
        if (!next) return
        this.store.relaxedTx(() => {
          this.restoreInTx(next)
          if (rest.length > 0) this.setMeta('deferred_indexes', JSON.stringify(rest))
          else this.db.prepare(`DELETE FROM meta WHERE key = 'deferred_indexes'`).run()
        })
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      this.restorePragmas()
    }
  }

  private restorePragmas(): void {
    if (!this.pragmasBefore) return
    for (const [name, value] of Object.entries(this.pragmasBefore)) this.db.pragma(`${name} = ${String(value)}`)
    this.pragmasBefore = null
    // The larger WAL the load let grow is copied back now, not by whichever commit comes next.
    this.db.pragma('wal_checkpoint(PASSIVE)')
  }

  /** The same, all at once: at start, before anything reads the cache. */
  endBulkLoadNow(): void {
    if (this.deferred().length === 0 && this.recomputes().length === 0) return
    this.store.tx(() => {
      this.restoreTriggersInTx()
      for (const entry of this.deferred()) this.restoreInTx(entry)
      this.db.prepare(`DELETE FROM meta WHERE key = 'deferred_indexes'`).run()
    })
  }

  private restoreTriggersInTx(): void {
    const pending = this.deferred()
    const triggers = pending.filter((entry) => entry.type === 'trigger')
    for (const table of this.recomputes()) this.db.exec(RECOMPUTE[table])
    for (const entry of triggers) this.restoreInTx(entry)
    const rest = pending.filter((entry) => entry.type !== 'trigger')
    if (rest.length > 0) this.setMeta('deferred_indexes', JSON.stringify(rest))
    else this.db.prepare(`DELETE FROM meta WHERE key = 'deferred_indexes'`).run()
    this.db.prepare(`DELETE FROM meta WHERE key = 'deferred_recompute'`).run()
  }

  private restoreInTx(entry: Deferred): void {
    const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?`).get(entry.type ?? 'index', entry.name)
    if (!exists) this.db.exec(entry.sql)
  }

  /**
   * What a bulk load dropped and has not restored yet. An entry for something that is no longer
   * deferrable was recorded by an older version, and a migration since removed it (version 7
   * the error_fts triggers, with their table): restoring it would make every write to runs fail.
   */
  private deferred(): Deferred[] {
    const text = this.meta('deferred_indexes')
    const entries = text ? (JSON.parse(text) as Deferred[]) : []
    return entries.filter((entry) => DEFERRABLE.has(entry.name))
  }

  private recomputes(): Array<'jobs' | 'runs'> {
    const text = this.meta('deferred_recompute')
    return text ? (JSON.parse(text) as Array<'jobs' | 'runs'>) : []
  }

  /** For callers already inside `store.tx` (the outbox entry and the state change commit together). */
  applyInTx(jobs: readonly JobRow[], runs: readonly RunRow[]): void {
    const seq = this.stmt.bumpSeq.get() as number
    for (const job of jobs) this.stmt.upsertJob.run(...JOB_COLUMNS.map((c) => job[c] ?? null), seq)
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

  /**
   * The bulk-load path (inside `store.tx`, between `beginBulkLoad` and `endBulkLoad`): a plain
   * INSERT per row, without the upsert's conflict handling and the lookup of each run's job,
   * which cost a third of the time. A row already cached (written meanwhile, or there before the
   * load) fails its primary key and is upserted instead, outbox rule included; a run whose job is
   * not cached fails its foreign key and is skipped, as `applyArraysInTx` skips it.
   */
  loadArraysInTx(jobs: readonly unknown[][], runs: readonly unknown[][]): void {
    const seq = this.stmt.bumpSeq.get() as number
    for (const job of jobs) {
      try {
        this.stmt.insertJob.run(job, seq)
      } catch (error) {
        if (!isConflict(error)) throw error
        this.stmt.upsertJob.run(job, seq)
      }
    }
    for (const run of runs) {
      if (!this.foreignKeys && !this.stmt.jobExists.get(run[1])) continue
      try {
        this.stmt.insertRun.run(run, seq)
      } catch (error) {
        const code = constraintCode(error)
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') continue
        if (!isConflict(error)) throw error
        if (this.stmt.jobExists.get(run[1])) this.stmt.upsertRun.run(run, seq)
      }
    }
  }

  /**
   * Jobs the shared database's retention deleted, with their runs and output (cascades; the
   * counters follow by their triggers), whatever their status here: only a finished job is
   * deleted there, so a row cached unfinished is one whose finish this cache never pulled. A
   * chunk per transaction; ids not cached are nothing to do. Returns the jobs deleted.
   */
  forgetJobs(ids: readonly string[]): number {
    let total = 0
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      total += this.store.relaxedTx(() => chunk.reduce((n, id) => n + this.stmt.forgetJob.run(id).changes, 0))
    }
    return total
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
