// Overlaps: pairs of runs that ran at the same time in a window, across sources and Jobdeck's own
// lanes (the question a hand-written jobs dashboard answers). One sweep over the window's runs in
// start order through runs_timeline, keeping the runs still running at each start: each new run
// pairs only with those, so the cost is the runs read plus the pairs found, never a self-join of
// the history. A run reaches back at most the longest run recorded (type_stats.max_duration, as
// the Timeline reads); runs running now are read apart by the running indexes, as they may have
// started before that and extend to now.
// Runs with start_kind 'unknown' (a source row first seen already finished) have no known span:
// they are left out, never paired on a guessed start.
import type { Overlap, OverlapRun } from '../../../../src-shared/sources'
import type { SqliteDatabase } from './open-database'

export interface OverlapQuery {
  /** Epoch ms: the window [since, until); a running run extends to `now`. */
  since: number
  until: number
  now: number
  /** Pairs where either side is from this source; `-` for Jobdeck's own runs. */
  source?: string
  /** Only pairs in the same lane. */
  sameLane?: boolean
  limit: number
}

interface SpanRow {
  id: string
  job_id: string
  type: string
  lane: string
  started_at: number
  finished_at: number | null
  source: string | null
  source_id: string | null
}

interface Span {
  row: SpanRow
  end: number
}

interface Found {
  a: Span
  b: Span
  from: number
  to: number
}

const COLUMNS = 'id, job_id, type, lane, started_at, finished_at, source, source_id'
// Jobdeck's own runs are read from the index alone: the row is looked up (SQLite defers the seek
// until a column outside the index is needed) only for a source's runs, whose types hold a `/`.
const WINDOW_COLUMNS = `id, job_id, type, lane, started_at, finished_at,
  CASE WHEN instr(type, '/') > 0 THEN source END AS source, CASE WHEN instr(type, '/') > 0 THEN source_id END AS source_id`

/** The window's runs in start order, through runs_timeline's range (exported so tests and benchmarks EXPLAIN what runs). */
export const OVERLAP_WINDOW_SQL = `SELECT ${WINDOW_COLUMNS} FROM runs INDEXED BY runs_timeline
  WHERE started_at >= @lower AND started_at < @until AND coalesce(finished_at, @now) > @since
    AND (instr(type, '/') = 0 OR start_kind <> 'unknown')
  ORDER BY started_at`

/** Longest shared span first; ties by the earlier start, then by the runs' ids (a stable order). */
function longestFirst(x: Found, y: Found): number {
  return y.to - y.from - (x.to - x.from) || x.from - y.from || compare(x.a.row.id, y.a.row.id) || compare(x.b.row.id, y.b.row.id)
}

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0)

/** The side that started first is `a` (by id when they started in the same millisecond). */
function ordered(p: Span, q: Span): [Span, Span] {
  return p.row.started_at < q.row.started_at || (p.row.started_at === q.row.started_at && p.row.id < q.row.id) ? [p, q] : [q, p]
}

function overlapRun(row: SpanRow): OverlapRun {
  return { runId: row.id, jobId: row.job_id, type: row.type, lane: row.lane, source: row.source, sourceId: row.source_id }
}

export class OverlapReads {
  private readonly stmt

  constructor(db: SqliteDatabase) {
    this.stmt = {
      maxDuration: db.prepare(`SELECT max(max_duration) AS ms FROM type_stats`),
      window: db.prepare(OVERLAP_WINDOW_SQL),
      // Running now but started before the window's reach: a handful, by the running indexes.
      runningBefore: db.prepare(`SELECT ${COLUMNS} FROM (
          SELECT * FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL
          UNION ALL SELECT * FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source IS NOT NULL)
        WHERE started_at < @lower AND start_kind <> 'unknown' ORDER BY started_at`),
    }
  }

  list(q: OverlapQuery): Overlap[] {
    const maxDuration = (this.stmt.maxDuration.get() as { ms: number | null }).ms ?? 0
    const args = { since: q.since, until: q.until, now: q.now, lower: q.since - maxDuration - 1 }
    const matches = (row: SpanRow): boolean =>
      q.source === undefined || (q.source === '-' ? row.source === null : row.source === q.source)
    // Runs still running at the sweep's point, per lane when only same-lane pairs count, and
    // apart by whether they are of the source asked for (a pair needs one side that is).
    const active = new Map<string, { matching: Span[]; others: Span[] }>()
    let found: Found[] = []
    // Only the longest `limit` are answered: trimmed now and then, and once `limit` are held, a
    // pair shorter than the shortest of them is not kept at all.
    let shortest = 0
    const keep = (a: Span, b: Span): void => {
      const from = Math.max(b.row.started_at, q.since)
      const to = Math.min(a.end, b.end, q.until)
      if (to <= from || to - from < shortest) return
      const [first, second] = ordered(a, b)
      found.push({ a: first, b: second, from, to })
      if (found.length >= 2 * q.limit + 64) {
        found = found.sort(longestFirst).slice(0, q.limit)
        const last = found[found.length - 1] as Found
        shortest = last.to - last.from
      }
    }
    // Drops the runs that ended by `span`'s start (in place: this runs once per run read) and,
    // with `pair`, pairs `span` with the rest.
    const sweep = (list: Span[], span: Span, pair: boolean): void => {
      let live = 0
      for (const other of list) {
        if (other.end <= span.row.started_at) continue
        if (pair) keep(other, span)
        list[live++] = other
      }
      list.length = live
    }
    const visit = (row: SpanRow): void => {
      const span = { row, end: row.finished_at ?? q.now }
      // A run of no length (or one starting after now) shares no time with any other.
      if (span.end <= row.started_at) return
      const key = q.sameLane ? row.lane : ''
      let here = active.get(key)
      if (!here) active.set(key, (here = { matching: [], others: [] }))
      const own = matches(row)
      sweep(here.matching, span, true)
      sweep(here.others, span, own)
      if (own) here.matching.push(span)
      else here.others.push(span)
    }
    for (const row of this.stmt.runningBefore.iterate(args) as Iterable<SpanRow>) visit(row)
    for (const row of this.stmt.window.iterate(args) as Iterable<SpanRow>) visit(row)
    return found
      .sort(longestFirst)
      .slice(0, q.limit)
      .map(({ a, b, from, to }) => ({
        a: overlapRun(a.row),
        b: overlapRun(b.row),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        seconds: (to - from) / 1000,
        sameLane: a.row.lane === b.row.lane,
      }))
  }
}
