// The data dir's database by part, for Settings: SQLite's dbstat table summed per b-tree (each
// index counted with its table), and the WAL file beside it. dbstat reads every page of the
// file, so its answer is cached and measured again only after a retention pass or when stale.
import fs from 'node:fs'
import type { DataDirSize } from '../../../src-shared/retention'
import type { SqliteDatabase } from '../store/sqlite/open-database'

type Part = Exclude<keyof DataDirSize, 'total' | 'wal'>

/** Which part a table belongs to; the search documents count as output. */
function partOf(table: string): Part {
  if (table === 'run_logs' || table.startsWith('run_search')) return 'logs'
  if (table === 'host_samples' || table === 'host_minutes' || table === 'run_usage') return 'samples'
  if (table === 'jobs' || table === 'runs' || table === 'job_counts' || table === 'type_stats') return 'runs'
  return 'other'
}

const STALE_MS = 10 * 60_000

export class DataSize {
  private cached: { at: number; size: DataDirSize } | null = null

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** The size measured at most ten minutes ago (the WAL always now: a stat of one file). */
  current(): DataDirSize {
    if (!this.cached || this.now() - this.cached.at > STALE_MS) this.cached = { at: this.now(), size: this.measure() }
    const wal = walBytes(this.db.name)
    return { ...this.cached.size, wal, total: this.cached.size.total - this.cached.size.wal + wal }
  }

  /** After a pass: the next `current()` measures again. */
  invalidate(): void {
    this.cached = null
  }

  private measure(): DataDirSize {
    const size: DataDirSize = { total: 0, runs: 0, logs: 0, samples: 0, other: 0, wal: walBytes(this.db.name) }
    const tables = new Map(
      (this.db.prepare(`SELECT name, tbl_name AS tbl FROM sqlite_schema WHERE type IN ('table', 'index')`).all() as Array<{ name: string; tbl: string }>)
        .map((row) => [row.name, row.tbl]),
    )
    const rows = this.db.prepare(`SELECT name, pgsize FROM dbstat WHERE aggregate = 1`).all() as Array<{ name: string; pgsize: number }>
    for (const row of rows) {
      const part = partOf(tables.get(row.name) ?? row.name)
      size[part] += row.pgsize
    }
    size.total = size.runs + size.logs + size.samples + size.other + size.wal
    return size
  }
}

function walBytes(file: string): number {
  try {
    return fs.statSync(`${file}-wal`).size
  } catch {
    return 0
  }
}
