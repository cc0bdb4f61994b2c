// Sources as the contract carries them: another system's job table mirrored read-only into the
// cache (its state, its index advice), and the overlaps of runs across sources and lanes. Words
// for presets and statuses live here too, so the CLI, the README and the views say the same thing.
import type { Job, Run } from './domain'

export const SOURCE_PRESETS = ['background_jobs', 'batch_jobs', 'processing_jobs', 'pg-boss', 'river', 'oban'] as const
export type SourcePreset = (typeof SOURCE_PRESETS)[number]

/** The columns a source maps (`columns:` keys); `id` and `status` are required, the rest optional. */
export const SOURCE_COLUMN_KEYS = ['id', 'type', 'status', 'created', 'started', 'finished', 'error', 'updated', 'total', 'ok', 'failed', 'lane'] as const
export type SourceColumnKey = (typeof SOURCE_COLUMN_KEYS)[number]

/**
 * What a source's status value means to Jobdeck (`statuses:` values). `queued` rows are jobs
 * without a run; the rest have one run. `partial` is a run that finished with some items failed.
 */
export const SOURCE_MEANINGS = ['queued', 'running', 'succeeded', 'partial', 'failed', 'canceled'] as const
export type SourceMeaning = (typeof SOURCE_MEANINGS)[number]

/** How a mirrored run's start is known: the table's own start column, the moment Jobdeck first saw it running, or not at all (first seen finished). */
export type StartKind = 'recorded' | 'observed' | 'unknown'

export type SourceStatus = 'connecting' | 'online' | 'offline' | 'error'

/** Where a source's poll reads from: an index, or a scan of the whole table (with the fix). */
export interface IndexAdvice {
  /** The poll's plan uses an index. */
  indexed: boolean
  /** The plan's first line (e.g. `Index Scan using background_jobs_updated_at on background_jobs`). */
  plan: string
  /** When not indexed: the statement that would make the poll use an index. */
  createIndex: string | null
}

export interface SourceInfo {
  name: string
  /** The preset, or null for a table mapped by `columns:`. */
  preset: SourcePreset | null
  /** Schema-qualified table, e.g. `public.background_jobs`. */
  table: string
  /** The connection name, or `postgres` for the shared database. */
  connection: string
  /** The URL without its password. */
  url: string | null
  status: SourceStatus
  /** Why it is offline or in error, in the server's or the check's words (file:line:col for a config problem). */
  error: string | null
  /** ISO-8601: when it became unreachable. */
  offlineSince: string | null
  /** ISO-8601: the last poll that reached the table. */
  lastSyncAt: string | null
  /** Rows mirrored into the cache (jobs of this source). */
  rows: number
  /** Mirrored rows that are waiting / running / stuck now. */
  queued: number
  running: number
  stuck: number
  /** Database time of the last poll, in ms (EXPLAIN ANALYZE is not used; measured round trip). */
  pollMs: number | null
  pollEveryMs: number
  /** `listen: channel` when configured. */
  listen: string | null
  /** Milliseconds, or `p95x3`-style multiple of the type's p95. */
  stuckAfter: { ms: number } | { p95Times: number }
  /** Null until the first connect has checked the plan. */
  index: IndexAdvice | null
  /** Status values met in the data that the mapping does not name (never dropped: reported). */
  unmappedStatuses: string[]
  actions: { markFailed: boolean }
}

export interface SourceTestResult {
  ok: boolean
  latencyMs: number | null
  /** Problems of the table or its columns, each naming where to fix it. */
  problems: string[]
  index: IndexAdvice | null
  /** Rows in the table now (estimate from the planner when large). */
  rowEstimate: number | null
}

/** Sources' rows that wait or run now: the Queue's read-only section. */
export interface SourceQueue {
  /** Rows not started yet (jobs without a run), oldest first. */
  waiting: Job[]
  /** Rows running, oldest start first, each with its one run (`run.stuckAt` when stuck). */
  running: Array<{ job: Job; run: Run }>
  /** All of them, not only the ones listed (`limit`). */
  counts: { waiting: number; running: number; stuck: number }
}

/** Two runs that ran at the same time, across sources and Jobdeck's own lanes. */
export interface Overlap {
  /** Run ids; `a` started first. */
  a: OverlapRun
  b: OverlapRun
  /** ISO-8601: the span they shared. */
  from: string
  to: string
  seconds: number
  /** They ran in the same lane (a lane of limit 1 should never show this for Jobdeck's own runs). */
  sameLane: boolean
}

export interface OverlapRun {
  runId: string
  jobId: string
  type: string
  lane: string
  /** The source it was mirrored from; null for Jobdeck's own. */
  source: string | null
  sourceId: string | null
}

/** The `source` filter (runs.list/count/export, overlaps.list) that stands for Jobdeck's own runs. */
export const OWN_RUNS = '-'

/**
 * A run stuck now: a source row still running past its `stuckAfter` (stuckAt stays set once
 * flagged; a row that finished since is no longer stuck).
 */
export function isStuck(run: { status: string; stuckAt: string | null }): boolean {
  return run.status === 'running' && run.stuckAt !== null
}

/** The type of a mirrored row: `source/type`. A Jobdeck type name never holds a `/`. */
export function sourceTypeName(source: string, type: string): string {
  return `${source}/${type}`
}

/** The source of a type name (`legacy/report` → `legacy`), or null for Jobdeck's own types. */
export function sourceOfType(type: string): string | null {
  const at = type.indexOf('/')
  return at === -1 ? null : type.slice(0, at)
}
