// Shared mode's local side: the SQLite copy of the shared history (mirrored row by row, so every
// local read — history, search, stats, timeline — works offline unchanged) and the outbox of
// what this instance did while the shared database was unreachable.
import type { SqliteStore } from './sqlite-store'
import type { JobRow, RunRow } from './rows'
import type { SqliteDatabase } from './open-database'

const JOB_COLUMNS = [
  'id', 'type', 'params', 'priority', 'lane', 'status', 'ord', 'attempts', 'failures', 'interruptions', 'created_at',
  'queued_at', 'run_after', 'finished_at', 'last_run_id', 'cancel_requested', 'error',
] as const

const RUN_COLUMNS = [
  'id', 'job_id', 'type', 'lane', 'params', 'attempt', 'status', 'queued_at', 'started_at', 'finished_at', 'exit_code',
  'signal', 'error', 'progress_percent', 'progress_current', 'progress_total', 'progress_message', 'items_ok',
  'items_failed', 'runner_id', 'pid', 'pid_start', 'log_bytes', 'log_truncated', 'peak_rss_bytes', 'cpu_seconds',
] as const

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

  constructor(
    db: SqliteDatabase,
    private readonly store: SqliteStore,
  ) {
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
      outboxCount: db.prepare('SELECT count(*) FROM outbox').pluck(),
    }
  }

  /** Writes mirrored rows (jobs first: runs reference them) in one transaction, as one change. */
  apply(jobs: readonly JobRow[], runs: readonly RunRow[]): void {
    if (jobs.length === 0 && runs.length === 0) return
    this.store.tx(() => this.applyInTx(jobs, runs))
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

  /** `ref`: the run a finish is about. */
  addOutbox(kind: OutboxKind, payload: unknown, now: number, ref: string | null = null): void {
    this.stmt.addOutbox.run(kind, ref, JSON.stringify(payload), now)
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
