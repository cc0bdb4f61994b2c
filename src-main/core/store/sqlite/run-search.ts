// History search: runs whose error, or one line of whose output, holds every word (as a word
// prefix), newest first, with where it matched as a snippet, and a bounded count of them.
//
// Finished runs are read from `run_search` (migration 7): one document per run, its rowid
// ordered by the run's start, so the newest matches come first and a page stops at its limit
// instead of collecting every matching line and sorting. Type, status and the time range are
// terms and rowid bounds of the same query. A document holds the whole run (error and all its
// output), so for several words it can match where they are on different lines; each such
// candidate is checked against error_fts and log_fts (the meaning search had before: all words
// in the error or in one line), which also gives the snippet. Running runs (no document yet,
// a handful) are checked the same way.
import type { Run } from '../../../../src-shared/domain'
import { SNIPPET_CLOSE, SNIPPET_OPEN, type SearchMatch } from '../../../../src-shared/search'
import type { RunFilter } from '../store-types'
import type { SqliteDatabase } from './open-database'
import { toRun, type RunRow } from './rows'

/** A run's key is started_at × KEY_SPAN + its place among runs started in the same millisecond. */
const KEY_SPAN = 2_097_152
const SNIPPET_TOKENS = 12

/** Words of an operator's search as FTS5 phrases: every word must appear, as a word prefix. */
export function searchWords(text: string): string[] {
  return (text.match(/[\p{L}\p{N}_]+/gu) ?? []).map((w) => `"${w}"*`)
}

/** The query against error_fts and log_fts: all words. */
export function ftsQuery(text: string): string | null {
  const words = searchWords(text)
  return words.length > 0 ? words.join(' ') : null
}

/** The facet token of a type: its name in hex, so any name is one token. */
const typeToken = (type: string): string => `t${Buffer.from(type, 'utf8').toString('hex')}`

export interface SearchHit {
  run: Run
  match: SearchMatch
}

type Candidate = RunRow & { run_rowid: number }

export class RunSearch {
  private readonly stmt

  constructor(private readonly db: SqliteDatabase) {
    this.stmt = {
      errorSnippet: db.prepare(
        `SELECT snippet(error_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM error_fts WHERE error_fts MATCH ? AND rowid = CAST(? AS INTEGER)`,
      ),
      logRange: db.prepare(`SELECT min(id) AS lo, max(id) AS hi FROM run_logs WHERE run_id = ?`),
      // The newest matching line: the end of a log says most about how the run went.
      logSnippet: db.prepare(
        `SELECT l.stream AS stream, snippet(log_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM log_fts CROSS JOIN run_logs AS l ON l.id = log_fts.rowid
         WHERE log_fts MATCH ? AND log_fts.rowid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER) AND l.run_id = ?
         ORDER BY log_fts.rowid DESC LIMIT 1`,
      ),
    }
  }

  /** The page of `filter` (which has a search), newest first by (startedAt, id). */
  list(filter: RunFilter & { search: string }): SearchHit[] {
    const hits: SearchHit[] = []
    for (const { row, match } of this.hits(filter, true)) {
      hits.push({ run: toRun(row), match: match as SearchMatch })
      if (hits.length >= filter.limit) break
    }
    return hits
  }

  /** How many runs match, counted up to `upTo` (a search is never counted over all history). */
  count(filter: Omit<RunFilter, 'limit' | 'before'> & { search: string }, upTo: number): { count: number; capped: boolean } {
    let count = 0
    for (const _hit of this.hits({ ...filter, limit: upTo + 1 }, false)) {
      if (++count > upTo) return { count: upTo, capped: true }
    }
    return { count, capped: false }
  }

  /**
   * Matches in (startedAt, id) order, newest first. Documents come in key order: by start, but
   * runs of the same millisecond in the order they were keyed; each such group is read whole and
   * sorted before it is given out. Running runs are merged in by their start. `snippets`: say
   * where each matched (else `match` is null where the document alone proves the match).
   */
  private *hits(filter: RunFilter & { search: string }, snippets: boolean): Generator<{ row: Candidate; match: SearchMatch | null }> {
    const match = ftsQuery(filter.search)
    if (!match) return
    const words = searchWords(filter.search)
    // One word in a document is one word in its error or in one of its lines: no check needed.
    const oneWord = words.length === 1
    const running = filter.status === undefined || filter.status === 'running' ? this.running(filter) : []
    const finished = filter.status === 'running' ? [] : this.finished(filter, words)
    for (const group of startGroups(finished, running)) {
      for (const row of group) {
        if (oneWord && row.status !== 'running' && !snippets) {
          yield { row, match: null }
          continue
        }
        const found = this.matchOf(row, match)
        if (found) yield { row, match: found }
      }
    }
  }

  /** Documents of finished runs matching every word and the filters, newest key first (lazily). */
  private finished(filter: RunFilter, words: readonly string[]): IterableIterator<Candidate> {
    const terms = [`{text} : (${words.join(' AND ')})`]
    if (filter.type !== undefined) terms.push(`{facets} : "${typeToken(filter.type)}"`)
    if (filter.status !== undefined) terms.push(`{facets} : "s${filter.status}"`)
    const where = ['s.run_search MATCH @match']
    // Bound numbers arrive as REAL, and FTS5 ignores a rowid constraint it is given as REAL: CAST.
    const args: Record<string, string | number> = { match: terms.join(' AND ') }
    if (filter.since !== undefined) {
      where.push(`s.rowid >= CAST(@sinceMs AS INTEGER) * ${KEY_SPAN}`, 'r.started_at >= @since')
      args.since = filter.since
      args.sinceMs = Math.floor(filter.since)
    }
    const upper = Math.min(filter.until ?? Infinity, filter.before ? filter.before.startedAt + 1 : Infinity)
    if (upper !== Infinity) {
      where.push(`s.rowid < CAST(@upper AS INTEGER) * ${KEY_SPAN}`)
      args.upper = Math.ceil(upper)
    }
    if (filter.until !== undefined) {
      where.push('r.started_at < @until')
      args.until = filter.until
    }
    if (filter.before) {
      where.push('(r.started_at < @beforeAt OR (r.started_at = @beforeAt AND r.id < @beforeId))')
      args.beforeAt = filter.before.startedAt
      args.beforeId = filter.before.id
    }
    if (filter.jobId !== undefined) {
      where.push('r.job_id = @jobId')
      args.jobId = filter.jobId
    }
    const sql = `SELECT r.*, r.rowid AS run_rowid
      FROM run_search AS s CROSS JOIN run_search_keys AS k ON k.key = s.rowid CROSS JOIN runs AS r ON r.id = k.run_id
      WHERE ${where.join(' AND ')} ORDER BY s.rowid DESC`
    return this.db.prepare(sql).iterate(args) as IterableIterator<Candidate>
  }

  /** Running runs that pass the filters (not the words: `matchOf` checks those), newest first. */
  private running(filter: RunFilter): Candidate[] {
    const rows = this.db
      .prepare(`SELECT *, rowid AS run_rowid FROM runs INDEXED BY runs_running WHERE status = 'running' ORDER BY started_at DESC, id DESC`)
      .all() as Candidate[]
    return rows.filter((row) => {
      if (filter.type !== undefined && row.type !== filter.type) return false
      if (filter.jobId !== undefined && row.job_id !== filter.jobId) return false
      if (filter.since !== undefined && row.started_at < filter.since) return false
      if (filter.until !== undefined && row.started_at >= filter.until) return false
      if (filter.before && !(row.started_at < filter.before.startedAt || (row.started_at === filter.before.startedAt && row.id < filter.before.id))) return false
      return true
    })
  }

  /** Where the words are: all in the error, else all in one line of output (the newest such line). */
  private matchOf(row: Candidate, match: string): SearchMatch | null {
    if (row.error !== null) {
      const error = this.stmt.errorSnippet.get(match, row.run_rowid) as { snippet: string } | undefined
      if (error) return { in: 'error', snippet: error.snippet }
    }
    const range = this.stmt.logRange.get(row.id) as { lo: number | null; hi: number | null }
    if (range.lo !== null && range.hi !== null) {
      const line = this.stmt.logSnippet.get(match, range.lo, range.hi, row.id) as { stream: string; snippet: string } | undefined
      if (line) return { in: line.stream === 'stderr' ? 'stderr' : 'stdout', snippet: line.snippet }
    }
    return null
  }
}

/**
 * Runs of the same start millisecond together, newest millisecond first, each group in id order
 * (newest first): documents come in key order, where ties are in the order they were keyed, and
 * running runs are merged in by their start.
 */
function* startGroups(finished: Iterable<Candidate>, running: readonly Candidate[]): Generator<Candidate[]> {
  let group: Candidate[] = []
  const byIdDesc = (a: Candidate, b: Candidate): number => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
  let next = 0
  function* add(row: Candidate): Generator<Candidate[]> {
    if (group.length > 0 && (group[0] as Candidate).started_at !== row.started_at) {
      yield group.sort(byIdDesc)
      group = []
    }
    group.push(row)
  }
  for (const row of finished) {
    while (next < running.length && (running[next] as Candidate).started_at > row.started_at) yield* add(running[next++] as Candidate)
    yield* add(row)
  }
  while (next < running.length) yield* add(running[next++] as Candidate)
  if (group.length > 0) yield group.sort(byIdDesc)
}
