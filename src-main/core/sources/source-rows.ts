// One row of a source's table as a Jobdeck job and (once started) its one run: the status value
// to a meaning, the start as recorded, observed or unknown, the counters and the error. Pure.
import { createHash } from 'node:crypto'
import { sourceTypeName, type SourceMeaning, type StartKind } from '../../../src-shared/sources'
import type { SourceSpec } from './source-spec'

/** A row as the poll reads it (source-sql.ts): ids and texts as text, times as epoch ms. */
export interface SourceRow {
  id: string
  status: string | null
  type: string | null
  created: number | null
  started: number | null
  finished: number | null
  updated: number | null
  error: string | null
  total: number | null
  ok: number | null
  failed: number | null
  lane: string | null
  w: string | null
}

/** What the cache already holds of a row's run: an observed start is kept, a stuck flag too. */
export interface PriorRun {
  status: MirroredRun['status']
  started_at: number
  finished_at: number | null
  start_kind: StartKind
  stuck_at: number | null
  error: string | null
}

export interface MirroredJob {
  id: string
  type: string
  lane: string
  /** `retrying`: a row that ran and waits again (a library's retry): its one run ended failed. */
  status: 'queued' | 'retrying' | 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled'
  created_at: number
  finished_at: number | null
  error: string | null
  source: string
  source_id: string
}

export interface MirroredRun {
  id: string
  job_id: string
  status: 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled'
  started_at: number
  finished_at: number | null
  start_kind: StartKind
  error: string | null
  progress_total: number | null
  items_ok: number | null
  items_failed: number | null
  stuck_at: number | null
}

export type MappedRow = { ok: true; job: MirroredJob; run: MirroredRun | null } | { ok: false; unmapped: string }

const MAX_ID = 60

/** `<source>:<sourceId>`, or `<source>:#<hash>` when that would be longer than 60 characters. */
export function mirroredJobId(source: string, sourceId: string): string {
  const plain = `${source}:${sourceId}`
  if (plain.length <= MAX_ID) return plain
  return `${source}:#${createHash('sha256').update(sourceId).digest('hex').slice(0, 32)}`
}

export function mirroredRunId(jobId: string): string {
  return `${jobId}/run`
}

/** A status value's meaning: as written, else case-insensitively when every such key agrees. */
export function meaningOf(statuses: Readonly<Record<string, SourceMeaning>>, value: string): SourceMeaning | null {
  if (Object.hasOwn(statuses, value)) return statuses[value] as SourceMeaning
  const lower = value.toLowerCase()
  const meanings = new Set(Object.entries(statuses).filter(([key]) => key.toLowerCase() === lower).map(([, meaning]) => meaning))
  return meanings.size === 1 ? ([...meanings][0] as SourceMeaning) : null
}

export function mapRow(spec: SourceSpec, row: SourceRow, prior: PriorRun | null, now: number): MappedRow {
  const value = row.status ?? ''
  const meaning = meaningOf(spec.statuses, value)
  if (meaning === null) return { ok: false, unmapped: row.status === null ? 'NULL' : value }
  const id = mirroredJobId(spec.name, row.id)
  const created = row.created ?? row.started ?? prior?.started_at ?? now
  const terminal = meaning !== 'queued' && meaning !== 'running'
  const finished = terminal ? (row.finished ?? row.updated ?? now) : null
  // A row that ran and waits again (River's retryable, pg-boss's retry, a row reset to pending).
  const ranBefore = meaning === 'queued' && (prior !== null || row.started !== null)
  const job: MirroredJob = {
    id,
    type: sourceTypeName(spec.name, row.type ?? spec.constantType ?? spec.name),
    lane: row.lane === null ? spec.name : `${spec.name}:${row.lane}`,
    status: ranBefore ? 'retrying' : meaning,
    created_at: Math.round(created),
    finished_at: finished === null ? null : Math.round(finished),
    error: row.error,
    source: spec.name,
    source_id: row.id,
  }
  const counters = {
    progress_total: row.total,
    items_ok: row.ok === null ? null : Math.round(row.ok),
    items_failed: row.failed === null ? null : Math.round(row.failed),
  }
  if (ranBefore) return { ok: true, job, run: { id: mirroredRunId(id), job_id: id, ...endedAttempt(row, prior, now), ...counters } }
  const start = startOf(meaning, row, prior, finished, now)
  if (start === null) return { ok: true, job, run: null }
  const restarted = meaning === 'running' && prior !== null && prior.status !== 'running'
  const run: MirroredRun = {
    id: mirroredRunId(id),
    job_id: id,
    status: meaning === 'queued' ? 'running' : meaning,
    started_at: Math.round(start.at),
    finished_at: job.finished_at,
    start_kind: start.kind,
    error: row.error,
    ...counters,
    stuck_at: restarted ? null : (prior?.stuck_at ?? null),
  }
  return { ok: true, job, run }
}

/**
 * A source row keeps one run. When a row that ran waits again, its run ends as a failed attempt
 * (with the row's error, at its finish or update time when the table has one, else when seen so);
 * a run already ended keeps how it ended.
 */
function endedAttempt(row: SourceRow, prior: PriorRun | null, now: number): Pick<MirroredRun, 'status' | 'started_at' | 'finished_at' | 'start_kind' | 'error' | 'stuck_at'> {
  if (prior !== null && prior.status !== 'running') {
    return { status: prior.status, started_at: prior.started_at, finished_at: prior.finished_at, start_kind: prior.start_kind, error: row.error ?? prior.error, stuck_at: prior.stuck_at }
  }
  const started = prior?.started_at ?? (row.started as number)
  const kind: StartKind = prior?.start_kind ?? 'recorded'
  const ended = Math.round(Math.max(started, row.finished ?? row.updated ?? (prior === null ? started : now)))
  return { status: 'failed', started_at: Math.round(started), finished_at: ended, start_kind: kind, error: row.error ?? prior?.error ?? null, stuck_at: prior?.stuck_at ?? null }
}

/**
 * The run's start: the table's own start column; else the moment Jobdeck first saw it running
 * (kept from the cache, and taken anew when a run that had ended starts again: the one exception
 * to "runs never restart", for a source's one run); else, first seen finished, its finish (drawn
 * as a point, start unknown). A queued row has no run; nor has a row canceled before anything
 * recorded its start.
 */
function startOf(meaning: SourceMeaning, row: SourceRow, prior: PriorRun | null, finished: number | null, now: number): { at: number; kind: StartKind } | null {
  if (meaning === 'queued') return null
  if (row.started !== null) return { at: row.started, kind: 'recorded' }
  if (prior !== null && !(meaning === 'running' && prior.status !== 'running')) return { at: prior.started_at, kind: prior.start_kind }
  if (meaning === 'running') return { at: now, kind: 'observed' }
  if (meaning === 'canceled') return null
  return { at: finished ?? now, kind: 'unknown' }
}
