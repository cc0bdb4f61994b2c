// History read from the local SQLite file: runs newest first (with search), counts, per-type
// statistics, the timeline and a run's output. What the views show; the queue's writes never
// depend on it.
import type Database from 'better-sqlite3'
import type { Run, RunStatus, TimelineExtent, TimelineItem, TimelinePage, TypeStats } from '../../../../src-shared/domain'
import type { ListedRun, RunCount } from '../../../../src-shared/search'
import { isStuck, OWN_RUNS, sourceOfType, type StartKind } from '../../../../src-shared/sources'
import type { LogLine, RunFilter, TimelineQuery } from '../store-types'
import type { SqliteDatabase } from './open-database'
import { QueueReads } from './queue-reads'
import { toLogLine, toRun, type LogRow, type RunRow } from './rows'
import { ftsQuery, RunSearch } from './run-search'
import { OverlapReads, type OverlapQuery } from './overlap-reads'
import { TIMELINE_RANGE } from './sqlite-statements'
import { timelineTally, type TallyRun } from './timeline-tally'

export class HistoryReads extends QueueReads {
  protected readonly search: RunSearch
  private readonly overlapReads: OverlapReads

  private readonly tally: TallyRun
  private readonly tallyByType: Database.Statement
  private readonly tallyByLane: Database.Statement

  constructor(db: SqliteDatabase) {
    super(db)
    this.search = new RunSearch(db)
    this.overlapReads = new OverlapReads(db)
    this.tally = timelineTally(db)
    // Runs under countBelow, fed to the tally in start order (the index's own order: no sort).
    const tallied = (key: 'type' | 'lane'): Database.Statement =>
      db.prepare(`SELECT timeline_tally(${key}, CAST(started_at / @bucket AS INTEGER), status) ${TIMELINE_RANGE} AND coalesce(finished_at, @now) - started_at < @countBelow`)
    this.tallyByType = tallied('type')
    this.tallyByLane = tallied('lane')
  }

  close(): void {
    this.search.close()
  }

  /** Runs newest first by (startedAt, id); with a search, each says where it matched. */
  listRuns(filter: RunFilter): ListedRun[] {
    const search = filter.search?.trim()
    if (search && ftsQuery(search)) {
      return this.withSchedules(this.search.list({ ...filter, search }).map(({ run, match }) => ({ ...run, match })))
    }
    const { sql, args } = runListQuery(filter)
    return this.withSchedules((this.db.prepare(sql).all(args) as RunRow[]).map(toRun))
  }

  /** Each run with the schedule that fired its job: one lookup by key per page, none stored per run. */
  private withSchedules<R extends Run>(runs: R[]): Array<R & { schedule: string | null }> {
    if (runs.length === 0) return []
    const ids = JSON.stringify([...new Set(runs.map((r) => r.jobId))])
    const scheduled = new Map((this.stmt.jobSchedules.all(ids) as Array<{ id: string; schedule: string }>).map((r) => [r.id, r.schedule]))
    return runs.map((run) => ({ ...run, schedule: scheduled.get(run.jobId) ?? null }))
  }

  /**
   * How many runs match: from the maintained counters when the filter is only a type and/or a
   * status (the total of a million runs costs a lookup), else counted up to `upTo`.
   */
  countRuns(filter: Omit<RunFilter, 'limit' | 'before'>, upTo: number): RunCount {
    const search = filter.search?.trim()
    if (search && ftsQuery(search)) return this.search.count({ ...filter, search }, upTo)
    if (filter.since === undefined && filter.until === undefined && filter.jobId === undefined) {
      const running = filter.status === undefined || filter.status === 'running' ? this.runningCount(filter) : 0
      const column = filter.status === undefined ? 'runs' : filter.status === 'running' ? null : filter.status
      // A source's types are `source/…`: a key range of type_stats; Jobdeck's own hold no `/`.
      const bySource = filter.source === undefined ? '' : filter.source === OWN_RUNS ? `AND instr(type, '/') = 0` : 'AND type >= @from AND type < @to'
      const finished = column === null ? 0 : (this.db
        .prepare(`SELECT coalesce(sum(${column}), 0) AS n FROM type_stats WHERE (@type IS NULL OR type = @type) ${bySource}`)
        .get({ type: filter.type ?? null, ...(filter.source === undefined || filter.source === OWN_RUNS ? {} : { from: `${filter.source}/`, to: `${filter.source}0` }) }) as { n: number }).n
      return { count: finished + running, capped: false }
    }
    const { sql, args } = runListQuery({ ...filter, search: undefined, limit: upTo + 1 })
    const n = (this.db.prepare(`SELECT count(*) AS n FROM (${sql.replace('SELECT * FROM runs', 'SELECT 1 FROM runs')})`).get(args) as { n: number }).n
    return n > upTo ? { count: upTo, capped: true } : { count: n, capped: false }
  }

  /** Runs running now, by the running indexes (Jobdeck's own, and sources' apart). */
  private runningCount(filter: Pick<RunFilter, 'type' | 'source'>): number {
    const type = filter.type ?? null
    if (filter.source === undefined) return (this.stmt.runningCount.get({ type }) as { n: number }).n
    const sql = filter.source === OWN_RUNS
      ? `SELECT count(*) AS n FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL AND (@type IS NULL OR type = @type)`
      : `SELECT count(*) AS n FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source = @source AND (@type IS NULL OR type = @type)`
    return (this.db.prepare(sql).get({ type, ...(filter.source === OWN_RUNS ? {} : { source: filter.source }) }) as { n: number }).n
  }

  /** Has the cache rows of this source (configured or not any more)? One seek. */
  hasSourceRows(source: string): boolean {
    return (this.db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_source_row WHERE source = ?) AS found`).get(source) as { found: number }).found === 1
  }

  typeStats(): TypeStats[] {
    const rows = this.stmt.typeStats.all() as Array<{
      type: string
      runs: number
      succeeded: number
      partial: number
      failed: number
      canceled: number
      interrupted: number
      duration_sum: number
      last_run_id: string | null
      last_status: RunStatus | null
      last_finished_at: number | null
    }>
    return rows.map((r) => {
      const recent = (this.stmt.recentFinished.all(r.type) as Array<{ ms: number }>).map((x) => x.ms)
      const sorted = [...recent].sort((a, b) => a - b)
      const judged = r.succeeded + r.partial + r.failed
      return {
        type: r.type,
        runs: r.runs,
        succeeded: r.succeeded,
        partial: r.partial,
        failed: r.failed,
        canceled: r.canceled,
        interrupted: r.interrupted,
        successRate: judged > 0 ? r.succeeded / judged : null,
        avgDurationMs: r.runs > 0 ? r.duration_sum / r.runs : null,
        p95DurationMs: sorted.length ? (sorted[Math.ceil(sorted.length * 0.95) - 1] ?? null) : null,
        lastRunId: r.last_run_id,
        lastStatus: r.last_status,
        lastFinishedAt: r.last_finished_at === null ? null : new Date(r.last_finished_at).toISOString(),
        trend: recent.slice(0, 30).reverse(),
      }
    })
  }

  /**
   * Runs overlapping [since, until), one row per type or lane. Runs at least a bucket long are
   * listed (longest first, up to `maxItems`); shorter ones, which would be under a pixel wide,
   * are counted per bucket, so a range of 100k runs still draws as a few thousand shapes.
   */
  timeline(q: TimelineQuery): TimelinePage {
    const maxDuration = (this.stmt.maxDuration.get() as { ms: number | null }).ms ?? 0
    const args = { since: q.since, until: q.until, lower: q.since - maxDuration - 1, now: q.now, bucket: Math.max(1, Math.floor(q.bucketMs)), source: q.source ?? '' }
    const all = (this.stmt.timelineOver.get({ ...args, cap: q.maxItems + 1 }) as { n: number }).n <= q.maxItems
    let rows = ((all ? this.stmt.timelineAll : this.stmt.timelineLong).all({ ...args, limit: q.maxItems }) as TimelineRow[])
    // Runs not listed (under a pixel, or beyond maxItems) are counted per bucket instead.
    let countBelow = args.bucket
    if (!all && rows.length === q.maxItems) {
      const shortestListed = durationOf(rows[rows.length - 1] as TimelineRow, q.now)
      countBelow = shortestListed + 1
      rows = rows.filter((r) => durationOf(r, q.now) >= countBelow)
    }
    const marks = this.sourceMarks(rows)
    const items = rows.map((r): TimelineItem => {
      const item: TimelineItem = {
        id: r.id,
        jobId: r.job_id,
        type: r.type,
        lane: r.lane,
        status: r.status,
        attempt: r.attempt,
        queuedAt: r.queued_at,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
      }
      const mark = marks.get(r.id)
      if (mark) Object.assign(item, mark)
      return item
    })
    const counted = all ? { buckets: [], runs: 0 } : this.tally(args.bucket, () => (q.groupBy === 'lane' ? this.tallyByLane : this.tallyByType).get({ ...args, countBelow }))
    const rowNames = new Set([...items.map((i) => (q.groupBy === 'lane' ? i.lane : i.type)), ...counted.buckets.map((b) => b.row)])
    // Listed and counted runs are disjoint (listed: at least countBelow long), so they add up to the total.
    return { since: q.since, until: q.until, groupBy: q.groupBy, rows: [...rowNames].sort(), items, buckets: counted.buckets, total: items.length + counted.runs }
  }

  /**
   * How the start of listed source runs is known (when not recorded) and which are stuck: one
   * keyed lookup per source run listed, so Jobdeck's own runs stay read from the covering index
   * alone and carry nothing more. A source's type holds a `/`, Jobdeck's own never does.
   */
  private sourceMarks(rows: readonly TimelineRow[]): Map<string, Pick<TimelineItem, 'startKind' | 'stuck'>> {
    const ids = rows.filter((r) => r.type.includes('/')).map((r) => r.id)
    const marks = new Map<string, Pick<TimelineItem, 'startKind' | 'stuck'>>()
    if (ids.length === 0) return marks
    const found = this.stmt.sourceMarks.all(JSON.stringify(ids)) as Array<{ id: string; status: string; start_kind: StartKind; stuck_at: number | null }>
    for (const r of found) {
      const mark: Pick<TimelineItem, 'startKind' | 'stuck'> = {}
      if (r.start_kind !== 'recorded') mark.startKind = r.start_kind
      if (isStuck({ status: r.status, stuckAt: r.stuck_at === null ? null : String(r.stuck_at) })) mark.stuck = true
      if (mark.startKind !== undefined || mark.stuck) marks.set(r.id, mark)
    }
    return marks
  }

  /** Pairs of runs that ran at the same time in [since, until), longest shared span first. */
  overlaps(q: OverlapQuery) {
    return this.overlapReads.list(q)
  }

  /** The first start at or after `since` and the latest start of all, each one seek in runs_started. */
  timelineExtent(since: number): TimelineExtent {
    const first = (this.stmt.firstStartSince.get(since) as { at: number | null }).at
    const last = (this.stmt.lastStart.get() as { at: number | null }).at
    return { first, last }
  }

  logs(runId: string, afterId = 0, limit = 100_000): Array<LogLine & { id: number }> {
    return (this.stmt.logs.all(runId, afterId, limit) as LogRow[]).map((row) => ({ ...toLogLine(row), id: row.id }))
  }

  /** The last `n` stored lines of a run, oldest first, and how many stored lines precede them. */
  logTail(runId: string, n: number): { lines: Array<LogLine & { id: number }>; earlier: number } {
    const rows = (this.stmt.logTail.all(runId, n) as LogRow[]).reverse()
    const first = rows[0]
    const earlier = first ? (this.stmt.logCountBefore.get(runId, first.id) as { n: number }).n : 0
    return { lines: rows.map((row) => ({ ...toLogLine(row), id: row.id })), earlier }
  }
}

interface TimelineRow {
  id: string
  job_id: string
  type: string
  lane: string
  status: RunStatus
  attempt: number
  queued_at: number
  started_at: number
  finished_at: number | null
}

const durationOf = (row: TimelineRow, now: number): number => (row.finished_at ?? now) - row.started_at

/** The statement behind listRuns without a search (exported so benchmarks can EXPLAIN exactly what runs). */
export function runListQuery(filter: RunFilter): { sql: string; args: Record<string, string | number> } {
  const where: string[] = []
  const args: Record<string, string | number> = { limit: filter.limit }
  if (filter.type) {
    where.push('type = @type')
    args.type = filter.type
  }
  // A type names its source (`source/…`): then the type's index serves, the source adds nothing.
  if (filter.source === OWN_RUNS) where.push('source IS NULL')
  else if (filter.source !== undefined && !(filter.type && sourceOfType(filter.type) === filter.source)) {
    where.push('source = @source')
    args.source = filter.source
  }
  if (filter.status) {
    where.push('status = @status')
    args.status = filter.status
  }
  if (filter.jobId) {
    where.push('job_id = @jobId')
    args.jobId = filter.jobId
  }
  if (filter.since !== undefined) {
    where.push('started_at >= @since')
    args.since = filter.since
  }
  if (filter.until !== undefined) {
    where.push('started_at < @until')
    args.until = filter.until
  }
  if (filter.before) {
    where.push('(started_at < @beforeAt OR (started_at = @beforeAt AND id < @beforeId))')
    args.beforeAt = filter.before.startedAt
    args.beforeId = filter.before.id
  }
  const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_at DESC, id DESC LIMIT @limit`
  return { sql, args }
}
