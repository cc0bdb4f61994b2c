import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../../test-support/temp-store'
import { SNIPPET_CLOSE, SNIPPET_OPEN } from '../../../../src-shared/search'
import type { RunStatus } from '../../../../src-shared/domain'
import { seededRandom } from '../../test-support/seeded-random'
import type { RunFilter } from '../store-types'
import { openMemoryDatabase, type SqliteDatabase } from './open-database'
import { runListQuery } from './sqlite-store'
import { SqliteStore } from './sqlite-store'
import { ftsQuery } from './run-search'
import { terminal } from '../../model/transitions'

let dir: string
let db: SqliteDatabase
let store: SqliteStore

beforeEach(() => {
  ;({ dir, db, store } = openTempStore('jobdeck-search-'))
})

afterEach(() => removeTempStore({ dir, db, store }))

/**
 * What a search meant before migration 7 (issue 12), worked out apart from the store: version 3's
 * index of each error and of each output line, built afresh in a scratch database from the rows
 * as they are now (every word a prefix of a word of the error or of one line), then the plain
 * list's filters and order over the runs that match.
 */
function oldSearch(filter: RunFilter & { search: string }): string[] {
  const scratch = openMemoryDatabase()
  try {
    scratch.exec(`CREATE VIRTUAL TABLE error_fts USING fts5 (error); CREATE VIRTUAL TABLE log_fts USING fts5 (text)`)
    const runs = db.prepare(`SELECT id, error FROM runs`).all() as Array<{ id: string; error: string | null }>
    const lines = db.prepare(`SELECT run_id, text FROM run_logs`).all() as Array<{ run_id: string; text: string }>
    const addError = scratch.prepare(`INSERT INTO error_fts (rowid, error) VALUES (?, ?)`)
    const addLine = scratch.prepare(`INSERT INTO log_fts (rowid, text) VALUES (?, ?)`)
    scratch.transaction(() => {
      for (const [i, run] of runs.entries()) if (run.error !== null) addError.run(i, run.error)
      for (const [i, line] of lines.entries()) addLine.run(i, line.text)
    })()
    const match = ftsQuery(filter.search)
    const hits = (sql: string): number[] => scratch.prepare(sql).pluck().all(match) as number[]
    const matched = new Set([
      ...hits(`SELECT rowid FROM error_fts WHERE error_fts MATCH ?`).map((i) => runs[i]?.id),
      ...hits(`SELECT rowid FROM log_fts WHERE log_fts MATCH ?`).map((i) => lines[i]?.run_id),
    ])
    const { sql, args } = runListQuery({ ...filter, limit: 1_000_000 })
    const clause = `id IN (SELECT value FROM json_each(@matched))`
    const withSearch = sql.includes('WHERE') ? sql.replace('WHERE', `WHERE ${clause} AND`) : sql.replace('FROM runs', `FROM runs WHERE ${clause}`)
    const rows = db.prepare(withSearch).all({ ...args, matched: JSON.stringify([...matched]) }) as Array<{ id: string }>
    return rows.map((r) => r.id).slice(0, filter.limit)
  } finally {
    scratch.close()
  }
}

/**
 * The search documents (whose run, each) beside the finished runs with an error or output: they
 * are the ones that must have one. `misplaced`: documents not keyed in their run's millisecond.
 */
function documents(): { documented: string[]; withText: string[]; misplaced: number } {
  return {
    documented: db.prepare(`SELECT run_id FROM run_search ORDER BY run_id`).pluck().all() as string[],
    withText: db
      .prepare(`SELECT id FROM runs WHERE status <> 'running' AND (error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = runs.id)) ORDER BY id`)
      .pluck()
      .all() as string[],
    misplaced: db
      .prepare(`SELECT count(*) FROM run_search s LEFT JOIN runs r ON r.id = s.run_id WHERE r.started_at IS NOT s.rowid >> 21`)
      .pluck()
      .get() as number,
  }
}

const WORDS = ['warehouse', 'north', 'south', 'unavailable', 'timeout', 'dealer', 'page', 'retry', 'checksum', 'mismatch', 'war', 'ware']
const TYPES = ['fetch-prospects', 'sync/inventory', 'Ünïcode type', 'x']
const STATUSES: RunStatus[] = ['succeeded', 'failed', 'partial', 'canceled', 'interrupted']

/**
 * A history written the ways runs really arrive: claimed then finished (the finish trigger),
 * mirrored already finished (the cache's insert), output after the finish, a corrected error, an
 * error taken back, runs deleted, lines trimmed, some still running, runs without any text
 * (some of which get it later) and runs sharing a start millisecond.
 */
function seed(runs: number): void {
  const rnd = seededRandom(12)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T
  const sentence = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const insertJob = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
    VALUES (?, ?, '{}', 0, 'x', 'queued', 1, 1, 1, 1)`)
  const insertRun = db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, error)
    VALUES (?, ?, ?, 'x', '{}', 1, ?, 1, ?, ?, 'r', 1, ?)`)
  const finish = db.prepare(`UPDATE runs SET status = ?, finished_at = started_at + 5, error = ? WHERE id = ?`)
  const log = db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, ?, 1, ?)`)
  db.transaction(() => {
    for (let i = 0; i < runs; i++) {
      const id = `run-${String(1000 + Math.floor(rnd() * 9000))}-${String(i).padStart(5, '0')}`
      const type = pick(TYPES)
      // Every fifth run shares its millisecond with the one before.
      const startedAt = 1_700_000_000_000 + Math.floor(i / 5) * 1000 + (i % 5 === 0 ? 0 : 1)
      const status = pick(STATUSES)
      const error = status === 'succeeded' ? null : sentence(3)
      insertJob.run(`job-${i}`, type)
      const lines = Math.floor(rnd() * 4)
      if (i % 7 === 0) {
        // Mirrored finished by the cache, with its output arriving afterwards.
        insertRun.run(id, `job-${i}`, type, status, startedAt, startedAt + 5, error)
        for (let l = 0; l < lines; l++) log.run(id, 'stdout', sentence(2 + l))
      } else {
        insertRun.run(id, `job-${i}`, type, 'running', startedAt, null, null)
        for (let l = 0; l < lines; l++) log.run(id, l % 2 ? 'stderr' : 'stdout', sentence(2 + l))
        if (i % 11 !== 0) finish.run(status, error, id)
        if (i % 13 === 0) log.run(id, 'stderr', sentence(2))
      }
    }
    db.exec(`UPDATE runs SET error = 'checksum mismatch at page 3' WHERE rowid % 17 = 0 AND status <> 'running'`)
    db.exec(`UPDATE runs SET error = NULL WHERE rowid % 29 = 0 AND status <> 'running'`)
    db.exec(`DELETE FROM runs WHERE rowid % 19 = 0`)
    db.exec(`DELETE FROM run_logs WHERE id % 23 = 0`)
  })()
}

const ids = (filter: RunFilter): string[] => store.listRuns(filter).map((r) => r.id)

describe('history search', () => {
  it('finds exactly the runs the old query found, in the same order, for words, prefixes and filters, page by page', () => {
    seed(1500)
    const middle = db.prepare(`SELECT started_at, id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET 700`).get() as { started_at: number; id: string }
    const searches = ['warehouse', 'war', 'warehouse north', 'north warehouse timeout', 'checksum mismatch', 'page 3', 'zebra', 'dealer retry', 'ware unavail']
    const filters: Array<Omit<RunFilter, 'limit'>> = [
      {},
      { type: 'sync/inventory' },
      { type: 'Ünïcode type', status: 'failed' },
      { status: 'running' },
      { status: 'canceled' },
      { since: 1_700_000_000_000 + 100_000, until: 1_700_000_000_000 + 200_000 },
      { before: { startedAt: middle.started_at, id: middle.id } },
      { jobId: 'job-35' },
    ]
    let compared = 0
    for (const search of searches) {
      for (const filter of filters) {
        const expected = oldSearch({ ...filter, search, limit: 100_000 })
        expect(ids({ ...filter, search, limit: 100_000 }), `${search} ${JSON.stringify(filter)}`).toEqual(expected)
        expect(ids({ ...filter, search, limit: 7 })).toEqual(expected.slice(0, 7))
        expect(store.countRuns({ ...filter, search }, 50)).toEqual({ count: Math.min(50, expected.length), capped: expected.length > 50 })
        compared += expected.length
      }
      // Keyset pages of 9 give the same runs as one list.
      const all = oldSearch({ search, limit: 100_000 })
      const paged: string[] = []
      let before: RunFilter['before']
      for (;;) {
        const page = store.listRuns({ search, limit: 9, ...(before ? { before } : {}) })
        paged.push(...page.map((r) => r.id))
        const last = page[page.length - 1]
        if (page.length < 9 || !last) break
        before = { startedAt: Date.parse(last.startedAt), id: last.id }
      }
      expect(paged).toEqual(all)
    }
    // Enough matches compared that the cases mean something.
    expect(compared).toBeGreaterThan(3000)
    // A document for exactly the finished runs with text, each in its run's millisecond.
    const docs = documents()
    expect(docs.documented).toEqual(docs.withText)
    expect(docs.misplaced).toBe(0)
    expect(db.prepare(`SELECT count(*) FROM runs WHERE status <> 'running'`).pluck().get()).toBeGreaterThan(docs.documented.length)
  })

  it('says where each run matched, with the words marked, in its error first, else its newest matching line', () => {
    store.enqueue([{ id: 'j1', type: 't', params: {}, priority: 'normal', lane: 'x' }], 1000)
    const [claimed] = store.claim({ now: 1000, runnerId: 'r', concurrency: 1, laneLimit: () => 1, allowedTypes: ['t'] })
    const runId = claimed?.run.id ?? ''
    store.appendLogs(
      [
        { runId, stream: 'stdout', at: 1, text: 'synced 1200 skus of warehouse north' },
        { runId, stream: 'stderr', at: 2, text: 'retrying: warehouse <b>east</b> unreachable' },
      ],
      () => 1_000_000,
    )
    store.finish({
      runId, runnerId: 'r', now: 2000, outcome: 'failed', exitCode: 1, signal: null, error: 'exit code 1: inventory API unavailable (503)',
      progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null, transition: terminal('failed', 1, 2000, 'exit code 1: inventory API unavailable (503)'),
    })
    const [byOutput] = store.listRuns({ search: 'warehouse', limit: 10 })
    expect(byOutput?.match).toEqual({ in: 'stderr', snippet: `retrying: ${SNIPPET_OPEN}warehouse${SNIPPET_CLOSE} <b>east</b> unreachable` })
    const [byError] = store.listRuns({ search: 'unavail 503', limit: 10 })
    expect(byError?.match).toEqual({ in: 'error', snippet: `exit code 1: inventory API ${SNIPPET_OPEN}unavailable${SNIPPET_CLOSE} (${SNIPPET_OPEN}503${SNIPPET_CLOSE})` })
    // All words in the run, but on different lines: no match (as before).
    expect(store.listRuns({ search: 'north unreachable', limit: 10 })).toEqual([])
    expect(store.listRuns({ search: 'skus north', limit: 10 }).map((r) => r.match?.in)).toEqual(['stdout'])
  })

  it('a run finished without error or output has no document until it gets text, and is found from then on', () => {
    store.enqueue([{ id: 'j1', type: 't', params: {}, priority: 'normal', lane: 'x' }], 1000)
    const [claimed] = store.claim({ now: 1000, runnerId: 'r', concurrency: 1, laneLimit: () => 1, allowedTypes: ['t'] })
    const runId = claimed?.run.id ?? ''
    store.finish({
      runId, runnerId: 'r', now: 2000, outcome: 'succeeded', exitCode: 0, signal: null, error: null,
      progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null, transition: terminal('succeeded', 0, 2000, null),
    })
    const found = (search: string): unknown[] => store.listRuns({ search, limit: 10 }).map((r) => [r.id, r.match?.in])
    expect(documents().documented).toEqual([])
    // Output that arrives after the finish (the last lines flushed, or mirrored by the cache).
    store.appendLogs([{ runId, stream: 'stdout', at: 3, text: 'late report of warehouse north' }], () => 1_000_000)
    expect(found('warehouse north')).toEqual([[runId, 'stdout']])
    expect(store.countRuns({ search: 'warehouse' }, 10)).toEqual({ count: 1, capped: false })
    expect(documents().documented).toEqual([runId])
    // Its only line goes: nothing to find, no document left.
    db.prepare(`DELETE FROM run_logs WHERE run_id = ?`).run(runId)
    expect(found('warehouse')).toEqual([])
    expect(documents()).toEqual({ documented: [], withText: [], misplaced: 0 })
    // The cache mirrors a correction that gives it an error, then takes it back.
    db.prepare(`UPDATE runs SET error = 'disk full at warehouse east' WHERE id = ?`).run(runId)
    expect(found('warehouse east')).toEqual([[runId, 'error']])
    expect(store.countRuns({ search: 'disk', status: 'succeeded' }, 10)).toEqual({ count: 1, capped: false })
    db.prepare(`UPDATE runs SET error = NULL WHERE id = ?`).run(runId)
    expect(found('warehouse')).toEqual([])
    expect(documents()).toEqual({ documented: [], withText: [], misplaced: 0 })
  })

  it('a time bound beyond the years keys can hold (after ~2109, before ~1830) still searches, as an open bound', () => {
    seed(200)
    const all = oldSearch({ search: 'war', limit: 100_000 })
    const farFuture = Date.UTC(2200, 0, 1)
    const farPast = Date.UTC(1700, 0, 1)
    expect(ids({ search: 'war', since: farPast, until: farFuture, limit: 100_000 })).toEqual(all)
    expect(store.countRuns({ search: 'war', until: farFuture }, 100_000)).toEqual({ count: all.length, capped: false })
    expect(ids({ search: 'war', since: farFuture, limit: 10 })).toEqual([])
  })

  it('counts a common word up to the cap and says there are more', () => {
    seed(400)
    const all = oldSearch({ search: 'war', limit: 100_000 }).length
    expect(all).toBeGreaterThan(100)
    expect(store.countRuns({ search: 'war' }, 100)).toEqual({ count: 100, capped: true })
    expect(store.countRuns({ search: 'war' }, 10_000)).toEqual({ count: all, capped: false })
  })

  it('counts all runs, or those of a type and status, from the maintained counters (running ones included)', () => {
    seed(300)
    const actual = (where: string): number => db.prepare(`SELECT count(*) AS n FROM runs ${where}`).pluck().get() as number
    expect(store.countRuns({}, 10)).toEqual({ count: actual(''), capped: false })
    expect(actual('')).toBeGreaterThan(10)
    expect(store.countRuns({ type: 'x' }, 10)).toEqual({ count: actual(`WHERE type = 'x'`), capped: false })
    expect(store.countRuns({ status: 'canceled' }, 10)).toEqual({ count: actual(`WHERE status = 'canceled'`), capped: false })
    expect(store.countRuns({ status: 'running', type: 'x' }, 10)).toEqual({ count: actual(`WHERE status = 'running' AND type = 'x'`), capped: false })
    // A time window is counted, up to the cap.
    expect(store.countRuns({ since: 0 }, 10)).toEqual({ count: 10, capped: true })
  })
})
