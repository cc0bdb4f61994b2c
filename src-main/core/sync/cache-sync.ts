// Mirrors the shared database's jobs and runs into this instance's SQLite, so history stays
// browsable offline. Every row change records its transaction id (`tx`); a pull reads the rows
// past its saved position in (tx, id) order, in batches, inside one REPEATABLE READ snapshot.
// A transaction still running when the snapshot was taken may commit later with a smaller tx,
// so the saved position never passes the snapshot's horizon (the oldest transaction still in
// flight): the next pull reads from there again. Rows read twice are upserted twice, which is
// harmless: the sync is incremental, resumable (the position is saved per batch) and idempotent.
// For the same reason its writes are relaxed commits (no fsync of their own): power loss can only
// take back a suffix of them, rows and positions together, and the next pull reads them again.
import type pg from 'pg'
import type { CacheStore } from '../store/sqlite/cache-store'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { PgConnection } from '../store/postgres/pg-connection'
import { CacheStore as CacheColumns } from '../store/sqlite/cache-store'

export interface SyncResult {
  jobs: number
  runs: number
  clears: number
}

interface Position {
  tx: string
  id: string
}

const START: Position = { tx: '0', id: '' }

function parsePosition(text: string | null): Position {
  if (!text) return START
  const at = text.indexOf(':')
  return at < 0 ? START : { tx: text.slice(0, at), id: text.slice(at + 1) }
}

/** The smaller of two positions; xid8 values compared as integers. */
function minPosition(a: Position, b: Position): Position {
  const ta = BigInt(a.tx)
  const tb = BigInt(b.tx)
  if (ta !== tb) return ta < tb ? a : b
  return a.id <= b.id ? a : b
}

export class CacheSync {
  private running: Promise<SyncResult> | null = null
  private again = false

  constructor(
    private readonly conn: PgConnection,
    private readonly cache: CacheStore,
    private readonly store: Pick<SqliteStore, 'relaxedTx' | 'clearFinished'>,
    private readonly options: { batch?: number; onProgress?: (rows: number) => void; bulkLoad?: boolean } = {},
  ) {}

  /** Pulls everything past the saved positions; concurrent calls share one pull plus one more. */
  pull(): Promise<SyncResult> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.pullOnce().finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        void this.pull().catch(() => undefined)
      }
    })
    return this.running
  }

  private async pullOnce(): Promise<SyncResult> {
    const client = await this.conn.pool.connect().catch((error: unknown) => {
      this.conn.lost(error)
      throw error
    })
    let broken: Error | undefined
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const { rows } = await client.query<{ horizon: string; paused: string | null }>(
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
          (SELECT value FROM jobdeck.meta WHERE key = 'paused') AS paused`,
      )
      const horizon: Position = { tx: rows[0]?.horizon ?? '0', id: '' }
      const clears = await this.pullClears(client, horizon)
      await this.pullRetentionDeletes(client, horizon)
      const jobs = await this.pullTable(client, 'jobs', CacheColumns.jobColumns, horizon)
      // Jobs that fit in one batch are held, unless the runs stream: then they go first, with the
      // first batch of runs (a run whose job is not cached yet would be skipped).
      const heldJobs = { rows: jobs.held }
      const runs = await this.pullTable(client, 'runs', CacheColumns.runColumns, horizon, heldJobs)
      this.store.relaxedTx(() => {
        if (heldJobs.rows || runs.held) this.cache.applyArraysInTx(heldJobs.rows ?? [], runs.held ?? [])
        this.cache.setMeta('pg_pos_jobs', formatPosition(jobs.saved))
        this.cache.setMeta('pg_pos_runs', formatPosition(runs.saved))
      })
      const runners = await client.query<{ id: string; host: string; pid: number; heartbeat_at: number; running: number }>(
        `SELECT r.id, r.host, r.pid, r.heartbeat_at,
          (SELECT count(*)::int FROM jobdeck.runs WHERE runner_id = r.id AND status = 'running') AS running
         FROM jobdeck.runners r WHERE heartbeat_at > $1 ORDER BY started_at`,
        [Date.now() - 60_000],
      )
      await client.query('COMMIT')
      this.store.relaxedTx(() => {
        this.cache.setMeta('pg_runners', JSON.stringify(runners.rows))
        this.cache.setMeta('last_sync_at', String(Date.now()))
        this.cache.setMeta('paused', rows[0]?.paused === '1' ? '1' : '0')
      })
      return { jobs: jobs.total, runs: runs.total, clears }
    } catch (error) {
      broken = error as Error
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release(broken && isBroken(broken) ? broken : undefined)
    }
  }

  private async pullClears(client: pg.PoolClient, horizon: Position): Promise<number> {
    const from = this.cache.meta('pg_clears') ?? '0'
    const { rows } = await client.query<{ before: number }>(
      'SELECT before FROM jobdeck.clears WHERE tx >= $1::xid8 ORDER BY id',
      [from],
    )
    for (const { before } of rows) this.store.clearFinished(before)
    if (from !== horizon.tx) this.store.relaxedTx(() => this.cache.setMeta('pg_clears', horizon.tx))
    return rows.length
  }

  /**
   * Jobs the shared database's retention deleted (core/retention/pg-retention.ts): deleted here
   * too, so the cache never keeps more than the database. Read by tx as the clears are; read
   * before the rows of this snapshot, which no longer hold them.
   */
  private async pullRetentionDeletes(client: pg.PoolClient, horizon: Position): Promise<number> {
    const from = this.cache.meta('pg_retention_deletes') ?? '0'
    const { rows } = await client.query<{ ids: string[] }>(
      'SELECT job_ids AS ids FROM jobdeck.retention_deletes WHERE tx >= $1::xid8 ORDER BY id',
      [from],
    )
    let forgotten = 0
    for (const { ids } of rows) forgotten += this.cache.forgetJobs(ids)
    if (from !== horizon.tx) this.store.relaxedTx(() => this.cache.setMeta('pg_retention_deletes', horizon.tx))
    return forgotten
  }

  /**
   * Streams one table past its saved position; the next batch is fetched while this one is
   * written. A pull that fits in one batch (the usual, incremental case) is not written here but
   * handed back, so the caller writes jobs and runs in one transaction: a reader never sees a
   * job finished whose run is not yet.
   */
  private async pullTable(
    client: pg.PoolClient,
    table: 'jobs' | 'runs',
    columns: readonly string[],
    horizon: Position,
    heldJobs: { rows: unknown[][] | null } = { rows: null },
  ): Promise<{ total: number; held: unknown[][] | null; saved: Position }> {
    const key = `pg_pos_${table}`
    const batch = this.options.batch ?? 5_000
    // PostgreSQL builds each batch as one JSON text (an array of rows in column order: every
    // value is a text, number or null, as the row parsers would give them), so the client parses
    // one field with JSON.parse instead of 17–26 per row: this process's CPU is what a bulk load
    // is short of, and the server builds the next batch while this one is written. The CTE is
    // read in its (tx, id) order; the last row's position comes alongside.
    const text = `WITH b AS MATERIALIZED (
        SELECT ${columns.join(', ')}, tx FROM jobdeck.${table}
        WHERE (tx, id) > ($1::xid8, $2) ORDER BY tx, id LIMIT ${batch}
      )
      SELECT json_agg(json_build_array(${columns.join(', ')}))::text AS rows,
        (SELECT ARRAY[tx::text, id] FROM b ORDER BY tx DESC, id DESC LIMIT 1) AS last
      FROM b`
    const fetch = (from: Position): Promise<{ rows: unknown[][]; last: Position | null }> =>
      client.query<{ rows: string | null; last: [string, string] | null }>(text, [from.tx, from.id]).then((result) => {
        const row = result.rows[0]
        if (!row?.rows || !row.last) return { rows: [], last: null }
        return { rows: JSON.parse(row.rows) as unknown[][], last: { tx: row.last[0], id: row.last[1] } }
      })
    let position = parsePosition(this.cache.meta(key))
    // Before the first pull completed: the shared history is being copied, not followed. A bulk
    // enqueue into a database that was empty when this cache first pulled is followed row by row.
    const initial = this.cache.meta('last_sync_at') === null
    let pending = fetch(position)
    let total = 0
    let deferred = false
    try {
      for (;;) {
        const { rows: values, last: next } = await pending
        if (values.length === 0 || !next) break
        if (total === 0 && values.length < batch) {
          // Past the horizon only within this snapshot: start from the horizon next time.
          return { total: values.length, held: values, saved: minPosition(next, horizon) }
        }
        if (values.length === batch) pending = fetch(next)
        // A first pull of more than one batch is a bulk load: plain inserts, indexes built and
        // derived tables recomputed once at the end (see CacheStore.beginBulkLoad).
        if (initial && !deferred && values.length === batch && (this.options.bulkLoad ?? true)) {
          this.cache.beginBulkLoad(table)
          deferred = true
        }
        this.store.relaxedTx(() => {
          if (heldJobs.rows) this.cache.applyArraysInTx(heldJobs.rows, [])
          heldJobs.rows = null
          const jobs = table === 'jobs' ? values : []
          const runs = table === 'runs' ? values : []
          if (deferred) this.cache.loadArraysInTx(jobs, runs)
          else this.cache.applyArraysInTx(jobs, runs)
          this.cache.setMeta(key, formatPosition(minPosition(next, horizon)))
        })
        position = next
        total += values.length
        this.options.onProgress?.(total)
        if (values.length < batch) break
      }
    } finally {
      // Also when the pull failed half-way: the next pull resumes with every index and trigger in place.
      if (deferred) await this.cache.endBulkLoad()
    }
    return { total, held: null, saved: minPosition(position, horizon) }
  }
}

function formatPosition(p: Position): string {
  return `${p.tx}:${p.id}`
}

function isBroken(error: Error): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^(08|57P0|EC|EP)/.test(code)
}
