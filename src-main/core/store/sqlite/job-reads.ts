// Read models over jobs for the views: finished jobs of one status by time (keyset pages and a
// bounded count), a waiting job's place in the run order, and how long runs usually take (for ETAs).
// Each read is an index range scan with a bound; none counts or sorts the whole history.
import type { DurationHint, Job, Params, TerminalJobStatus } from '../../../../src-shared/domain'
import type { SqliteDatabase } from './open-database'
import { toJob, type JobRow } from './rows'

export interface JobFilter {
  status: TerminalJobStatus
  type?: string
  /** A source's jobs only, or `-` for Jobdeck's own only. */
  source?: string
  /** Epoch ms, inclusive, on `finishedAt`. */
  since?: number
  until?: number
  /** Keyset cursor: jobs strictly older than this. */
  before?: { at: number; id: string }
  limit: number
  /** Count matching jobs up to this many (a bounded count, never a scan of all history). */
  countUpTo: number
}

export interface JobPage {
  jobs: Job[]
  /** Jobs matching the filter (all pages), up to `countUpTo`. */
  count: number
  /** More than `countUpTo` match: `count` is a lower bound. */
  countCapped: boolean
  /** Cursor of the next page, or null on the last one. */
  next: { at: number; id: string } | null
}

/** How long runs of a type took lately, by params (for ETAs). */
export interface TypeDurations {
  type: DurationHint | null
  byParams: Map<string, DurationHint>
}

/** Successful runs looked at per type: enough for a median, bounded for a busy type. */
export const DURATION_SAMPLES = 200


/** Params in a form that compares equal whatever the key order (a copy from PostgreSQL's jsonb is sorted). */
export function paramsKey(params: Params | Record<string, unknown>): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]))
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

function hint(durations: number[], basis: DurationHint['basis']): DurationHint {
  return { p50Ms: median([...durations].sort((a, b) => a - b)), samples: durations.length, basis }
}

export class JobReads {
  private readonly stmt: ReturnType<typeof prepare>
  /** Per type: the durations computed, valid while no run of the type has finished since. */
  private readonly durations = new Map<string, { stamp: string; value: TypeDurations }>()

  constructor(db: SqliteDatabase) {
    this.stmt = prepare(db)
  }

  list(filter: JobFilter): JobPage {
    const args: Record<string, string | number> = {
      status: filter.status,
      since: filter.since ?? -1,
      until: filter.until ?? Number.MAX_SAFE_INTEGER,
      type: filter.type ?? '',
      source: filter.source ?? '',
      beforeAt: filter.before?.at ?? Number.MAX_SAFE_INTEGER,
      beforeId: filter.before?.id ?? '\uffff',
    }
    const rows = this.stmt.page.all({ ...args, limit: filter.limit + 1 }) as Array<JobRow & { at: number }>
    const page = rows.slice(0, filter.limit)
    const last = page.at(-1)
    const counted = (this.stmt.count.get({ ...args, cap: filter.countUpTo + 1 }) as { n: number }).n
    return {
      jobs: page.map(toJob),
      count: Math.min(counted, filter.countUpTo),
      countCapped: counted > filter.countUpTo,
      next: rows.length > filter.limit && last ? { at: last.at, id: last.id } : null,
    }
  }

  /** A waiting job's place: how many waiting jobs the runner takes before it, in all and in its lane. */
  place(job: Job): { ahead: number; aheadInLane: number } | null {
    if (job.status !== 'queued' && job.status !== 'retrying') return null
    const row = this.stmt.ordOf.get(job.id) as { priority: number; ord: number } | undefined
    if (!row) return null
    const counts = this.stmt.ahead.get({ priority: row.priority, ord: row.ord, lane: job.lane }) as { ahead: number; inLane: number | null }
    return { ahead: counts.ahead, aheadInLane: counts.inLane ?? 0 }
  }

  /** Recent successful durations of a type: its median, and the median per params. */
  typeDurations(type: string): TypeDurations {
    const stats = this.stmt.typeStamp.get(type) as { runs: number; last_run_id: string | null } | undefined
    const stamp = stats ? `${stats.runs}:${stats.last_run_id ?? ''}` : ''
    const cached = this.durations.get(type)
    if (cached && cached.stamp === stamp) return cached.value
    const rows = this.stmt.recentSucceeded.all(type, DURATION_SAMPLES) as Array<{ params: string; ms: number }>
    const byKey = new Map<string, number[]>()
    for (const row of rows) {
      let key: string
      try {
        key = paramsKey(JSON.parse(row.params) as Record<string, unknown>)
      } catch {
        continue
      }
      const list = byKey.get(key)
      if (list) list.push(row.ms)
      else byKey.set(key, [row.ms])
    }
    const value: TypeDurations = {
      type: rows.length > 0 ? hint(rows.map((r) => r.ms), 'type') : null,
      byParams: new Map([...byKey].map(([key, ms]) => [key, hint(ms, 'params')])),
    }
    this.durations.set(type, { stamp, value })
    return value
  }

  /** What a run of this job is expected to take: the median of its params if any ran, else of its type. */
  expected(job: Pick<Job, 'type' | 'params'>): DurationHint | null {
    return this.expecter()(job)
  }

  /** `expected` for many jobs at once: each type's counters are looked at once, not once per job. */
  expecter(): (job: Pick<Job, 'type' | 'params'>) => DurationHint | null {
    const seen = new Map<string, TypeDurations>()
    return (job) => {
      let durations = seen.get(job.type)
      if (!durations) {
        durations = this.typeDurations(job.type)
        seen.set(job.type, durations)
      }
      return durations.byParams.get(paramsKey(job.params)) ?? durations.type
    }
  }
}

const WHERE = `status = @status AND finished_at IS NOT NULL AND finished_at >= @since AND finished_at < @until AND (@type = '' OR type = @type)
  AND (@source = '' OR (@source = '-' AND source IS NULL) OR source = @source)`

/** The page and count statements of jobs.list (exported so a test can EXPLAIN exactly what runs). */
export const JOB_LIST_SQL = {
  // Served by jobs_status_finished (status, finished_at DESC, id DESC) WHERE finished_at IS NOT NULL.
  page: `SELECT *, finished_at AS at FROM jobs WHERE ${WHERE}
      AND (finished_at < @beforeAt OR (finished_at = @beforeAt AND id < @beforeId))
      ORDER BY finished_at DESC, id DESC LIMIT @limit`,
  count: `SELECT count(*) AS n FROM (SELECT 1 FROM jobs WHERE ${WHERE} LIMIT @cap)`,
}

function prepare(db: SqliteDatabase) {
  return {
    page: db.prepare(JOB_LIST_SQL.page),
    count: db.prepare(JOB_LIST_SQL.count),
    ordOf: db.prepare(`SELECT priority, ord FROM jobs WHERE id = ?`),
    ahead: db.prepare(`SELECT count(*) AS ahead, sum(lane = @lane) AS inLane FROM jobs INDEXED BY jobs_ready
      WHERE status IN ('queued','retrying') AND source IS NULL AND (priority > @priority OR (priority = @priority AND ord < @ord))`),
    typeStamp: db.prepare(`SELECT runs, last_run_id FROM type_stats WHERE type = ?`),
    // Served by runs_type_status_started: the newest successful runs of the type, no more.
    recentSucceeded: db.prepare(`SELECT params, finished_at - started_at AS ms FROM runs
      WHERE type = ? AND status = 'succeeded' AND finished_at IS NOT NULL ORDER BY started_at DESC LIMIT ?`),
  }
}
