// The data dir's database by part, for Settings: SQLite's dbstat table summed per b-tree (each
// index counted with its table), and the WAL file beside it. dbstat reads every page of the file
// (about 2 s at 1M runs on a busy 2-core machine, bench/retention.ts), so the split by part is
// measured at most once an hour (and again after a retention pass); in between, the total is the
// file's pages in use now (two pragmas) and the parts keep their last measured shares of it.
import fs from 'node:fs'
import type { DataDirSize } from '../../../src-shared/retention'
import type { SqliteDatabase } from '../store/sqlite/open-database'

type Part = Exclude<keyof DataDirSize, 'total' | 'wal'>

/** Which part a table belongs to; the search documents count as output. */
function partOf(table: string): Part {
  if (table === 'run_logs' || table.startsWith('run_search')) return 'logs'
  if (table === 'host_samples' || table === 'host_minutes' || table === 'run_usage') return 'samples'
  if (table === 'jobs' || table === 'runs' || table === 'job_counts' || table === 'lane_counts' || table === 'type_stats') return 'runs'
  return 'other'
}

const STALE_MS = 60 * 60_000

export class DataSize {
  private cached: { at: number; size: DataDirSize } | null = null

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** The pages in use and the WAL now; their split by part as last measured (at most an hour ago). */
  current(): DataDirSize {
    if (!this.cached || this.now() - this.cached.at > STALE_MS) this.cached = { at: this.now(), size: this.measure() }
    const measured = this.cached.size
    const inUse = this.pagesInUse()
    const parts = measured.runs + measured.logs + measured.samples + measured.other
    const scale = parts > 0 ? inUse / parts : 0
    const wal = walBytes(this.db.name)
    const size = {
      runs: Math.round(measured.runs * scale),
      logs: Math.round(measured.logs * scale),
      samples: Math.round(measured.samples * scale),
      other: 0,
      wal,
    }
    size.other = Math.max(0, inUse - size.runs - size.logs - size.samples)
    return { ...size, total: inUse + wal }
  }

  private pagesInUse(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number
    const free = this.db.pragma('freelist_count', { simple: true }) as number
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number)
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
