// Retention of run output whose run stays: lines older than `logs.age`, and a finished run's
// output over `logs.perRun` cut to its head and tail with a marker line between. A run being
// written (status running) is never touched.
//
// Why lines are moved before they are deleted: migration 7's run_search_log_delete trigger
// rebuilds a finished run's search document from all its remaining lines for EACH deleted line,
// so deleting a run's L lines one by one costs O(L²) (seconds for a long log, in one write
// transaction). That trigger only fires for a line whose run exists, so a batch's lines are first
// pointed at a run id no run has (''; an UPDATE fires no trigger on run_logs, and foreign keys are
// deferred to the commit, by which time those lines are gone), deleted, and the document is
// rebuilt once per run, as the trigger would have.
import type { SqliteDatabase } from '../store/sqlite/open-database'
import type { BatchClock } from './batch-clock'

/** The marker line between the head and the tail of a capped run's output. */
export function removedMarker(lines: number): string {
  return `… ${lines} lines removed by retention …`
}

export interface LogCounts {
  logLines: number
  trimmedRuns: number
}

/** A run's search document is keyed in its start's millisecond (migration 7). */
const docRange = (rowid: string): string => `${rowid} >= r.started_at * 2097152 AND ${rowid} < (r.started_at + 1) * 2097152`

function statements(db: SqliteDatabase) {
  return {
    linesFrom: db.prepare(`SELECT id, run_id AS runId, at FROM run_logs WHERE id > ? ORDER BY id LIMIT ?`),
    runStatus: db.prepare(`SELECT status FROM runs WHERE id = ?`).pluck(),
    oldLinesByRun: db.prepare(`SELECT l.run_id AS runId, count(*) AS n, sum(length(CAST(l.text AS BLOB)) + 1) AS bytes
      FROM run_logs l JOIN runs r ON r.id = l.run_id WHERE l.id BETWEEN ? AND ? AND l.at < ? AND r.status <> 'running' GROUP BY l.run_id`),
    detachOld: db.prepare(`UPDATE run_logs SET run_id = '' WHERE run_id = ? AND id BETWEEN ? AND ? AND at < ?`),
    rangeLines: db.prepare(`SELECT count(*) AS n, coalesce(sum(length(CAST(text AS BLOB)) + 1), 0) AS bytes
      FROM run_logs WHERE run_id = ? AND id > ? AND id < ?`),
    detachRange: db.prepare(`UPDATE run_logs SET run_id = '' WHERE run_id = ? AND id > ? AND id < ?`),
    dropDetached: db.prepare(`DELETE FROM run_logs WHERE run_id = ''`),
    markTrimmed: db.prepare(`UPDATE runs SET log_bytes = max(0, log_bytes - ?), log_truncated = 1 WHERE id = ?`),
    dropDocument: db.prepare(`DELETE FROM run_search WHERE rowid = (SELECT s.rowid FROM runs r, run_search s
      WHERE r.id = ? AND ${docRange('s.rowid')} AND s.run_id = r.id)`),
    // As migration 7's triggers write it.
    writeDocument: db.prepare(`INSERT INTO run_search (rowid, text, facets, run_id)
      SELECT coalesce((SELECT max(rowid) + 1 FROM run_search WHERE ${docRange('rowid')}), r.started_at * 2097152),
        coalesce(r.error, '') || char(10) || coalesce((SELECT group_concat(text, char(10)) FROM run_logs WHERE run_id = r.id), ''),
        't' || hex(r.type) || ' s' || r.status, r.id
      FROM runs r WHERE r.id = ? AND r.status <> 'running'
        AND (r.error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = r.id))`),
    finishedSince: db.prepare(`SELECT id, seq, status, log_bytes AS logBytes FROM runs INDEXED BY runs_seq WHERE seq > ? ORDER BY seq LIMIT ?`),
    lineSizes: db.prepare(`SELECT id, at, length(CAST(text AS BLOB)) + 1 AS size FROM run_logs WHERE run_id = ? ORDER BY id`),
    lineSizesDesc: db.prepare(`SELECT id, length(CAST(text AS BLOB)) + 1 AS size FROM run_logs WHERE run_id = ? ORDER BY id DESC`),
    insertMarker: db.prepare(`INSERT INTO run_logs (id, run_id, stream, at, text) VALUES (?, ?, 'system', ?, ?)`),
    addBytes: db.prepare(`UPDATE runs SET log_bytes = log_bytes + ? WHERE id = ?`),
  }
}

type Statements = ReturnType<typeof statements>

export class LogRetention {
  private readonly stmt: Statements

  constructor(private readonly db: SqliteDatabase) {
    this.stmt = statements(db)
  }

  /**
   * Until this transaction's commit. Run afresh each time: SQLite applies this pragma when it is
   * prepared, and a commit switches it off again, so a statement prepared once would do nothing.
   */
  private deferForeignKeys(): void {
    this.db.pragma('defer_foreign_keys = ON')
  }

  /**
   * Deletes output lines written before `cutoff` of runs that are not running, oldest first.
   * Line ids follow the order lines were written, so the scan stops at the first batch that
   * reaches lines newer than the cutoff; lines mirrored late into a cache with an older time sit
   * after it and go with their job instead.
   */
  async deleteOlderThan(cutoff: number, clock: BatchClock): Promise<number> {
    let deleted = 0
    let cursor = 0
    for (;;) {
      const lines = this.stmt.linesFrom.all(cursor, clock.batch) as Array<{ id: number; runId: string; at: number }>
      if (lines.length === 0) return deleted
      const spans = new Set(lines.filter((line) => line.at < cutoff).map((line) => line.runId))
      const from = lines[0]!.id
      const to = lines[lines.length - 1]!.id
      if (spans.size > 0) {
        deleted += await clock.write(() => {
          // Per run, only runs that are not running (checked in this transaction).
          const old = this.stmt.oldLinesByRun.all(from, to, cutoff) as Array<{ runId: string; n: number; bytes: number }>
          if (old.length === 0) return 0
          this.deferForeignKeys()
          for (const run of old) this.stmt.detachOld.run(run.runId, from, to, cutoff)
          this.stmt.dropDetached.run()
          for (const run of old) {
            this.stmt.markTrimmed.run(run.bytes, run.runId)
            this.rewriteDocument(run.runId)
          }
          return old.reduce((n, run) => n + run.n, 0)
        })
      }
      cursor = lines[lines.length - 1]!.id
      if (lines.some((line) => line.at >= cutoff)) return deleted
    }
  }

  /**
   * Cuts the output of each run finished since `fromSeq` (runs.seq: every finish takes a new one,
   * so a run that finishes later is seen then) to `perRunBytes`: its first and last halves with a
   * marker line between. Returns the counts and the seq to start from next time.
   */
  async capSince(fromSeq: number, perRunBytes: number, clock: BatchClock): Promise<LogCounts & { seq: number }> {
    const counts: LogCounts = { logLines: 0, trimmedRuns: 0 }
    let seq = fromSeq
    for (;;) {
      const runs = this.stmt.finishedSince.all(seq, clock.batch) as Array<{ id: string; seq: number; status: string; logBytes: number }>
      if (runs.length === 0) return { ...counts, seq }
      const over = runs.filter((run) => run.status !== 'running' && run.logBytes > perRunBytes)
      for (const run of over) {
        const removed = await clock.write(() => this.capRun(run.id, perRunBytes))
        if (removed > 0) {
          counts.logLines += removed
          counts.trimmedRuns += 1
        }
      }
      seq = runs[runs.length - 1]!.seq
    }
  }

  /** One run's output to its head and tail within `perRunBytes`, the marker included; lines removed. */
  private capRun(runId: string, perRunBytes: number): number {
    const status = this.stmt.runStatus.get(runId) as string | undefined
    if (status === undefined || status === 'running') return 0
    // The marker's own size is budgeted for, so a capped run is within the cap and is not cut again.
    const half = Math.floor((perRunBytes - Buffer.byteLength(removedMarker(Number.MAX_SAFE_INTEGER)) - 1) / 2)
    let headBytes = 0
    let lastHead = 0
    let firstCut: { id: number; at: number } | null = null
    for (const line of this.stmt.lineSizes.iterate(runId) as Iterable<{ id: number; at: number; size: number }>) {
      if (headBytes + line.size > half) {
        firstCut = { id: line.id, at: line.at }
        break
      }
      headBytes += line.size
      lastHead = line.id
    }
    if (!firstCut) return 0
    let tailBytes = 0
    let firstTail = Number.MAX_SAFE_INTEGER
    for (const line of this.stmt.lineSizesDesc.iterate(runId) as Iterable<{ id: number; size: number }>) {
      if (line.id <= lastHead || tailBytes + line.size > half) break
      tailBytes += line.size
      firstTail = line.id
    }
    const cut = this.stmt.rangeLines.get(runId, lastHead, firstTail) as { n: number; bytes: number }
    if (cut.n === 0) return 0
    this.deferForeignKeys()
    this.stmt.detachRange.run(runId, lastHead, firstTail)
    this.stmt.dropDetached.run()
    this.stmt.markTrimmed.run(cut.bytes, runId)
    const marker = removedMarker(cut.n)
    // Where the first removed line was, so the marker reads between the head and the tail; its
    // insert rebuilds the run's search document once (run_search_log_insert).
    this.stmt.insertMarker.run(firstCut.id, runId, firstCut.at, marker)
    this.stmt.addBytes.run(Buffer.byteLength(marker) + 1, runId)
    return cut.n
  }

  private rewriteDocument(runId: string): void {
    this.stmt.dropDocument.run(runId)
    this.stmt.writeDocument.run(runId)
  }
}
