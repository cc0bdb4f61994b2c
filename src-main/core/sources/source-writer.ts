// Writes a source's rows into the one SQLite file: a page of rows and the watermark that covers
// them in one transaction (so a crash resumes where the last committed page ended), upserted by
// id (= (source, source id)), a row equal to the cached one left alone. Incremental pages bump the
// change sequence so job.changed / run.changed flow; the first backfill is written quietly (seq 0:
// no event per row, 30 days of old failures must not notify) and announced once as source.changed.
// A first backfill is also a bulk load (CacheStore's): the deferrable indexes and triggers are
// dropped while it writes and rebuilt after, as shared mode's first pull does (about 100 µs of a
// row's write otherwise go to index and counter upkeep row by row).
import type { IndexAdvice } from '../../../src-shared/sources'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { CacheStore } from '../store/sqlite/cache-store'
import { mirroredJobId, mirroredRunId, type MirroredJob, type MirroredRun, type PriorRun } from './source-rows'
import type { Watermark } from './source-sql'

export interface SourceStateRow {
  name: string
  mapping: string
  watermark: string | null
  backfilled: number
  last_sync_at: number | null
  error: string | null
  offline_since: number | null
  poll_ms: number | null
  unmapped: string
}

const JOB_FIELDS = ['type', 'lane', 'status', 'ord', 'attempts', 'created_at', 'queued_at', 'finished_at', 'last_run_id', 'error']
const RUN_FIELDS = ['type', 'lane', 'status', 'queued_at', 'started_at', 'finished_at', 'start_kind', 'error', 'progress_total', 'items_ok', 'items_failed', 'stuck_at']

function upsert(table: string, insert: string[], values: string[], fields: string[]): string {
  return `INSERT INTO ${table} (${insert.join(', ')}) VALUES (${values.join(', ')})
    ON CONFLICT (id) DO UPDATE SET ${[...fields, 'seq'].map((f) => `${f} = excluded.${f}`).join(', ')}
    WHERE ${fields.map((f) => `${table}.${f} IS NOT excluded.${f}`).join(' OR ')}`
}

/** Where the next re-read of unfinished rows starts: a row's (created_at, job id). */
export interface RereadCursor {
  at: number
  id: string
}

export class SourceWriter {
  private readonly stmt

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: Pick<SqliteStore, 'tx'>,
    private readonly bulk: Pick<CacheStore, 'beginBulkLoad' | 'endBulkLoad'> | null = null,
  ) {
    this.stmt = {
      state: db.prepare(`SELECT * FROM source_state WHERE name = ?`),
      startState: db.prepare(`INSERT INTO source_state (name, mapping) VALUES (?, ?)
        ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping, watermark = NULL, backfilled = 0, unmapped = '{}', error = NULL`),
      deleteSome: db.prepare(`DELETE FROM jobs WHERE rowid IN (SELECT rowid FROM jobs WHERE source = ? LIMIT 2000)`),
      mark: db.prepare(`UPDATE source_state SET watermark = ?, backfilled = ? WHERE name = ?`),
      status: db.prepare(`UPDATE source_state SET last_sync_at = coalesce(@lastSyncAt, last_sync_at), error = @error,
        offline_since = @offlineSince, poll_ms = coalesce(@pollMs, poll_ms), unmapped = @unmapped WHERE name = @name`),
      bumpSeq: db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER) AS value`).pluck(),
      prior: db.prepare(`SELECT id, status, started_at, finished_at, start_kind, stuck_at, error FROM runs WHERE id IN (SELECT value FROM json_each(?))`),
      job: db.prepare(upsert(
        'jobs',
        ['id', 'type', 'params', 'priority', 'lane', 'status', 'ord', 'attempts', 'created_at', 'queued_at', 'finished_at', 'last_run_id', 'error', 'seq', 'source', 'source_id'],
        ['@id', '@type', `'{}'`, '0', '@lane', '@status', '@ord', '@attempts', '@created_at', '@created_at', '@finished_at', '@last_run_id', '@error', '@seq', '@source', '@source_id'],
        JOB_FIELDS,
      )),
      run: db.prepare(upsert(
        'runs',
        ['id', 'job_id', 'type', 'lane', 'params', 'attempt', 'status', 'queued_at', 'started_at', 'finished_at', 'error', 'progress_total',
          'items_ok', 'items_failed', 'runner_id', 'seq', 'source', 'source_id', 'start_kind', 'stuck_at'],
        ['@id', '@job_id', '@type', '@lane', `'{}'`, '1', '@status', '@queued_at', '@started_at', '@finished_at', '@error', '@progress_total',
          '@items_ok', '@items_failed', '@runner_id', '@seq', '@source', '@source_id', '@start_kind', '@stuck_at'],
        RUN_FIELDS,
      )),
      unfinished: db.prepare(`SELECT created_at AS at, id, source_id AS sourceId FROM jobs INDEXED BY jobs_source_unfinished
        WHERE source = @name AND status IN ('queued','retrying','running') AND (created_at > @at OR (created_at = @at AND id > @id))
        ORDER BY created_at, id LIMIT @limit`),
      // From the maintained per-type counters (a source's types are `<source>/…`): a lookup, not a count of a million rows.
      rows: db.prepare(`SELECT coalesce(sum(n), 0) FROM job_counts WHERE type >= ? || '/' AND type < ? || '0'`).pluck(),
      overdue: db.prepare(`SELECT id, job_id, type, source_id, started_at FROM runs INDEXED BY runs_source_running
        WHERE status = 'running' AND source = ? AND stuck_at IS NULL`),
      setStuck: db.prepare(`UPDATE runs SET stuck_at = ?, seq = ? WHERE id = ? AND stuck_at IS NULL AND status = 'running'`),
      vanishJob: db.prepare(`UPDATE jobs SET status = 'canceled', finished_at = @now, error = @why, seq = @seq
        WHERE id = @id AND status IN ('queued','retrying','running')`),
      vanishRun: db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = max(@now, started_at), error = @why, seq = @seq
        WHERE id = @runId AND status = 'running'`),
      recent: db.prepare(`SELECT finished_at - started_at AS ms FROM runs INDEXED BY runs_type_started
        WHERE type = ? AND finished_at IS NOT NULL AND start_kind <> 'unknown' AND status IN ('succeeded','partial','failed')
        ORDER BY started_at DESC LIMIT 100`).pluck(),
      getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck(),
      setMeta: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      jobOf: db.prepare(`SELECT source, source_id FROM jobs WHERE id = ?`),
    }
  }

  state(name: string): SourceStateRow | null {
    return (this.stmt.state.get(name) as SourceStateRow | undefined) ?? null
  }

  /** A source seen for the first time, or mirrored with another mapping: its rows go, its watermark too. */
  async startOver(name: string, digest: string): Promise<void> {
    this.store.tx(() => this.stmt.startState.run(name, digest))
    // In small transactions, so a large source does not hold the write lock for seconds.
    while (this.store.tx(() => this.stmt.deleteSome.run(name).changes) > 0) await new Promise((resolve) => setImmediate(resolve))
  }

  /**
   * Runs `fill` (a first backfill) as a bulk load when this writer has one: indexes and triggers
   * restored when it ends, however it ends (a crash mid-load is restored at the next open).
   */
  async bulkLoad<T>(fill: () => Promise<T>): Promise<T> {
    if (!this.bulk) return fill()
    this.bulk.beginBulkLoad('jobs')
    this.bulk.beginBulkLoad('runs')
    try {
      return await fill()
    } finally {
      await this.bulk.endBulkLoad()
    }
  }

  priors(runIds: readonly string[]): Map<string, PriorRun> {
    const rows = this.stmt.prior.all(JSON.stringify(runIds)) as Array<PriorRun & { id: string }>
    return new Map(rows.map((row) => [row.id, row]))
  }

  /**
   * One page of rows and (when given) the watermark after it, in one transaction. `quiet`: the
   * rows keep seq 0, so no event announces them one by one. Returns the rows that changed.
   */
  writePage(name: string, rows: ReadonlyArray<{ job: MirroredJob; run: MirroredRun | null }>, mark: { watermark: Watermark; backfilled: boolean } | null, quiet: boolean): number {
    return this.store.tx(() => {
      const seq = quiet ? 0 : (this.stmt.bumpSeq.get() as number)
      let changed = 0
      for (const { job, run } of rows) {
        let changes = this.stmt.job.run({ ...job, ord: job.created_at * 1000, attempts: run ? 1 : 0, last_run_id: run?.id ?? null, seq }).changes
        if (run) {
          changes += this.stmt.run.run({ ...run, type: job.type, lane: job.lane, queued_at: job.created_at, runner_id: `source:${name}`, seq, source: name, source_id: job.source_id }).changes
        }
        if (changes > 0) changed++
      }
      if (mark) this.stmt.mark.run(JSON.stringify(mark.watermark), mark.backfilled ? 1 : 0, name)
      return changed
    })
  }

  saveStatus(name: string, status: { lastSyncAt: number | null; error: string | null; offlineSince: number | null; pollMs: number | null; unmapped: Record<string, string[]> }): void {
    this.store.tx(() => this.stmt.status.run({ name, ...status, unmapped: JSON.stringify(status.unmapped) }))
  }

  /**
   * Source ids of up to `limit` rows mirrored as not finished, in (created, id) order after
   * `from` and round to the start again: what a poll without `updated` reads again. A backlog
   * larger than the cap is read in turns, the cursor carried from poll to poll.
   */
  unfinished(name: string, limit: number, from: RereadCursor | null): { sourceIds: string[]; next: RereadCursor | null } {
    const after = (cursor: RereadCursor | null, n: number): Array<RereadCursor & { sourceId: string }> =>
      this.stmt.unfinished.all({ name, at: cursor?.at ?? -Number.MAX_VALUE, id: cursor?.id ?? '', limit: n }) as Array<RereadCursor & { sourceId: string }>
    const rows = after(from, limit)
    if (rows.length < limit && from !== null) {
      // Round to the start, up to where this turn began.
      rows.push(...after(null, limit - rows.length).filter((r) => r.at < from.at || (r.at === from.at && r.id <= from.id)))
    }
    const last = rows.at(-1)
    return { sourceIds: rows.map((r) => r.sourceId), next: rows.length === limit && last ? { at: last.at, id: last.id } : null }
  }

  /** Rows read again by id that the table no longer has: the job canceled, a running run interrupted. */
  endVanished(name: string, sourceIds: readonly string[], now: number, why: string, quiet: boolean): number {
    return this.store.tx(() => {
      const seq = quiet ? 0 : (this.stmt.bumpSeq.get() as number)
      let ended = 0
      for (const sourceId of sourceIds) {
        const id = mirroredJobId(name, sourceId)
        this.stmt.vanishRun.run({ runId: mirroredRunId(id), now, why, seq })
        ended += this.stmt.vanishJob.run({ id, now, why, seq }).changes
      }
      return ended
    })
  }

  rowCount(name: string): number {
    return this.stmt.rows.get(name, name) as number
  }

  /** Running runs of a source not flagged stuck yet. */
  runningUnflagged(name: string): Array<{ id: string; job_id: string; type: string; source_id: string; started_at: number }> {
    return this.stmt.overdue.all(name) as Array<{ id: string; job_id: string; type: string; source_id: string; started_at: number }>
  }

  /** Flags runs stuck, once each (a flagged run is never flagged again); returns the ones flagged now. */
  flagStuck(runIds: readonly string[], now: number): string[] {
    if (runIds.length === 0) return []
    return this.store.tx(() => {
      const seq = this.stmt.bumpSeq.get() as number
      return runIds.filter((id) => this.stmt.setStuck.run(now, seq, id).changes > 0)
    })
  }

  /** The index advice of the last check (kept so a short CLI command shows it without connecting). */
  indexAdvice(name: string): IndexAdvice | null {
    const text = this.stmt.getMeta.get(`source_index:${name}`) as string | undefined
    return text ? (JSON.parse(text) as IndexAdvice) : null
  }

  saveIndexAdvice(name: string, advice: IndexAdvice): void {
    this.store.tx(() => this.stmt.setMeta.run(`source_index:${name}`, JSON.stringify(advice)))
  }

  /** The p95 duration of a type's last 100 finished runs (their start known), or null without any. */
  p95(type: string): number | null {
    const sorted = (this.stmt.recent.all(type) as number[]).sort((a, b) => a - b)
    return sorted.length === 0 ? null : (sorted[Math.ceil(sorted.length * 0.95) - 1] ?? null)
  }

  /** The source and source id of a mirrored job, or null for Jobdeck's own (or no such job). */
  sourceOf(jobId: string): { source: string; sourceId: string } | null {
    const row = this.stmt.jobOf.get(jobId) as { source: string | null; source_id: string | null } | undefined
    return row?.source && row.source_id !== null ? { source: row.source, sourceId: row.source_id } : null
  }
}
