// History search: runs whose error, or one line of whose output, holds every word (as a word
// prefix), newest first, with where it matched as a snippet, and a bounded count of them.
//
// Finished runs are read from `run_search` (migration 7): one document per run, its rowid
// ordered by the run's start, so the newest matches come first and a page stops at its limit
// instead of collecting every matching line and sorting. Type, status and the time range are
// terms and rowid bounds of the same query. A document holds the whole run (error and all its
// output), so for several words it can match where they are on different lines: candidates are
// checked, a batch at a time, by the same FTS5 query on a scratch index of just their error and
// lines (the meaning search had before: all words in the error or in one line), which also gives
// the snippets. Not a per-line index (version 3's log_fts, which migration 7 dropped): a prefix
// query merges the whole doclist of every term it stands for (5–30 ms for a common word) however
// narrow the rowid range, so each search runs one query on run_search, read lazily, and the
// scratch index is an in-memory database of its own (better-sqlite3 lets no statement write on a
// connection while another is being read). Running runs (no document yet, a handful) are checked
// the same way; a finished run without error or output has no document and matches nothing.
import type { Run } from '../../../../src-shared/domain'
import { SNIPPET_CLOSE, SNIPPET_OPEN, type SearchMatch } from '../../../../src-shared/search'
import { OWN_RUNS } from '../../../../src-shared/sources'
import type { RunFilter } from '../store-types'
import { openMemoryDatabase, type SqliteDatabase } from './open-database'
import { toRun, type RunRow } from './rows'

/** A run's key is started_at × KEY_SPAN + its place among runs started in the same millisecond. */
const KEY_SPAN = 2_097_152
const SNIPPET_TOKENS = 12
const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

/**
 * The key bound of an instant. Past about 2109 (or before about 1830) an instant's key leaves
 * SQLite's 64-bit integers, which better-sqlite3 refuses to bind: such a bound is clamped, as no
 * run's key can lie beyond it.
 */
function keyBound(at: number, round: (x: number) => number): bigint {
  const key = BigInt(round(at)) * BigInt(KEY_SPAN)
  return key > INT64_MAX ? INT64_MAX : key < INT64_MIN ? INT64_MIN : key
}

/** Candidates checked per scratch index: the first batch is the page, then larger ones. */
const MAX_BATCH = 4096

/** Words of an operator's search as FTS5 phrases: every word must appear, as a word prefix. */
export function searchWords(text: string): string[] {
  return (text.match(/[\p{L}\p{N}_]+/gu) ?? []).map((w) => `"${w}"*`)
}

/** The FTS5 query of a search: all words. */
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

type Candidate = RunRow

export class RunSearch {
  private readonly stmt

  private readonly scratch: SqliteDatabase

  constructor(private readonly db: SqliteDatabase) {
    this.scratch = openMemoryDatabase()
    this.scratch.exec(`CREATE VIRTUAL TABLE scratch USING fts5 (text)`)
    this.stmt = {
      logLines: db.prepare(`SELECT stream, text FROM run_logs WHERE run_id = ? ORDER BY id`),
      scratchClear: this.scratch.prepare(`DELETE FROM scratch`),
      scratchAdd: this.scratch.prepare(`INSERT INTO scratch (rowid, text) VALUES (?, ?)`),
      scratchMatch: this.scratch.prepare(
        `SELECT rowid, snippet(scratch, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM scratch WHERE scratch MATCH ? ORDER BY rowid`,
      ),
      scratchRows: this.scratch.prepare(`SELECT rowid, '' AS snippet FROM scratch WHERE scratch MATCH ? ORDER BY rowid`),
    }
  }

  close(): void {
    this.scratch.close()
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
    const words = searchWords(filter.search)
    const whole = (n: number | undefined): boolean => n === undefined || Number.isInteger(n)
    if (words.length === 1 && filter.jobId === undefined && whole(filter.since) && whole(filter.until) && filter.status !== 'running') {
      // One word, filters all FTS terms or exact key bounds: the documents alone are the count.
      const { sql, args } = this.documentQuery({ ...filter, limit: upTo + 1 }, words, 's.rowid')
      const finished = (this.db.prepare(`SELECT count(*) AS n FROM (${sql} LIMIT ${upTo + 1})`).get(args) as { n: number }).n
      const running = filter.status === undefined ? this.running({ ...filter, limit: upTo }) : []
      const matched = running.length > 0 ? this.matches(running, ftsQuery(filter.search) as string).size : 0
      const n = finished + matched
      return n > upTo ? { count: upTo, capped: true } : { count: n, capped: false }
    }
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
    let batch: Candidate[] = []
    let size = Math.min(filter.limit, MAX_BATCH)
    const finished = filter.status === 'running' ? [] : this.finished(filter, words)
    const check = function* (this: RunSearch): Generator<{ row: Candidate; match: SearchMatch | null }> {
      const proven = oneWord && !snippets
      const found = proven ? null : this.matches(batch, match as string, snippets)
      for (const row of batch) {
        if (proven && row.status !== 'running') yield { row, match: null }
        else {
          const where = (found ?? this.matches([row], match as string)).get(row.id)
          if (where) yield { row, match: where }
        }
      }
      batch = []
      size = Math.min(size * 2, MAX_BATCH)
    }
    for (const group of startGroups(finished, running)) {
      batch.push(...group)
      if (batch.length >= size) yield* check.call(this)
    }
    if (batch.length > 0) yield* check.call(this)
  }

  /** Documents of finished runs matching every word and the filters, newest key first (lazily). */
  private finished(filter: RunFilter, words: readonly string[]): IterableIterator<Candidate> {
    const { sql, args } = this.documentQuery(filter, words, 'r.*')
    return this.db.prepare(sql).iterate(args) as IterableIterator<Candidate>
  }

  private documentQuery(filter: RunFilter, words: readonly string[], columns: string): { sql: string; args: Record<string, string | number | bigint> } {
    const terms = [`{text} : (${words.join(' AND ')})`]
    if (filter.type !== undefined) terms.push(`{facets} : "${typeToken(filter.type)}"`)
    if (filter.status !== undefined) terms.push(`{facets} : "s${filter.status}"`)
    // A source's types are `source/…`: their tokens share the hex of that prefix, and no other
    // type's does (Jobdeck's own hold no `/`). Jobdeck's own runs are told apart by the run.
    if (filter.source !== undefined && filter.source !== OWN_RUNS) terms.push(`{facets} : "${typeToken(`${filter.source}/`)}"*`)
    const where = ['s.run_search MATCH @match']
    if (filter.source === OWN_RUNS) where.push('r.source IS NULL')
    // Keys exceed 2^53: bounds are bound as BigInt (FTS5 also ignores a rowid bound given as REAL).
    const args: Record<string, string | number | bigint> = { match: terms.join(' AND ') }
    if (filter.since !== undefined) {
      where.push('s.rowid >= @lower', 'r.started_at >= @since')
      args.lower = keyBound(filter.since, Math.floor)
      args.since = filter.since
    }
    const upper = Math.min(filter.until ?? Infinity, filter.before ? filter.before.startedAt + 1 : Infinity)
    if (upper !== Infinity) {
      where.push('s.rowid < @upper')
      args.upper = keyBound(upper, Math.ceil)
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
    // Without conditions on the run, the count needs no join.
    const joins = where.some((w) => w.includes('r.')) || columns !== 's.rowid'
      ? 'CROSS JOIN runs AS r ON r.id = s.run_id'
      : ''
    const sql = `SELECT ${columns} FROM run_search AS s ${joins} WHERE ${where.join(' AND ')} ORDER BY s.rowid DESC`
    return { sql, args }
  }

  /** Running runs that pass the filters (not the words: `matches` checks those), newest first. */
  private running(filter: RunFilter): Candidate[] {
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT * FROM runs INDEXED BY runs_running WHERE status = 'running' AND source IS NULL
        UNION ALL SELECT * FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source IS NOT NULL)
        ORDER BY started_at DESC, id DESC`)
      .all() as Candidate[]
    return rows.filter((row) => {
      if (filter.type !== undefined && row.type !== filter.type) return false
      if (filter.source !== undefined && (row.source ?? OWN_RUNS) !== filter.source) return false
      if (filter.jobId !== undefined && row.job_id !== filter.jobId) return false
      if (filter.since !== undefined && row.started_at < filter.since) return false
      if (filter.until !== undefined && row.started_at >= filter.until) return false
      if (filter.before && !(row.started_at < filter.before.startedAt || (row.started_at === filter.before.startedAt && row.id < filter.before.id))) return false
      return true
    })
  }

  /**
   * Where the words are in each run of `batch`: all in its error, else all in one line of its
   * output (the newest such line); runs not in the map do not match.
   */
  private matches(batch: readonly Candidate[], match: string, snippets = true): Map<string, SearchMatch> {
    this.stmt.scratchClear.run()
    const origin: Array<{ runId: string; in: SearchMatch['in'] }> = []
    const add = (runId: string, place: SearchMatch['in'], text: string): void => {
      origin.push({ runId, in: place })
      this.stmt.scratchAdd.run(origin.length, text)
    }
    const fill = this.scratch.transaction(() => {
      for (const row of batch) {
        if (row.error !== null) add(row.id, 'error', row.error)
        for (const line of this.stmt.logLines.iterate(row.id) as Iterable<{ stream: string; text: string }>) {
          add(row.id, line.stream === 'stderr' ? 'stderr' : 'stdout', line.text)
        }
      }
    })
    fill()
    if (origin.length === 0) return new Map()
    const found = new Map<string, SearchMatch>()
    // In rowid order: a run's error first, then its lines oldest to newest.
    const hits = (snippets ? this.stmt.scratchMatch : this.stmt.scratchRows).all(match) as Array<{ rowid: number; snippet: string }>
    for (const hit of hits) {
      const from = origin[hit.rowid - 1] as { runId: string; in: SearchMatch['in'] }
      if (found.get(from.runId)?.in === 'error') continue
      found.set(from.runId, { in: from.in, snippet: hit.snippet })
    }
    return found
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
