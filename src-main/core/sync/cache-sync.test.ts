// The cache sync against a real PostgreSQL database, without the rest of shared mode: what a
// pull reads, in which order, and what it leaves in SQLite.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { postgresRuntimeSchema } from '../../../src-shared/config-schema'
import { PgConnection } from '../store/postgres/pg-connection'
import { migratePg } from '../store/postgres/pg-schema'
import { CacheStore, DEFERRABLE_INDEXES, DEFERRABLE_TRIGGERS } from '../store/sqlite/cache-store'
import { openDatabase } from '../store/sqlite/open-database'
import { SqliteStore } from '../store/sqlite/sqlite-store'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { CacheSync } from './cache-sync'

let db: TestDatabase
let conn: PgConnection
const dirs: string[] = []

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_sync')
  conn = new PgConnection({ config: postgresRuntimeSchema.parse({ url: db.url }), source: 'config' })
  const client = await conn.pool.connect()
  await migratePg(client, db.name)
  client.release()
})

afterAll(async () => {
  await conn?.close()
  await db?.drop()
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

function freshCache(): {
  sqlite: ReturnType<typeof openDatabase>
  store: SqliteStore
  cache: CacheStore
  sync: (batch: number) => CacheSync
  close(): void
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-sync-test-'))
  dirs.push(dir)
  const sqlite = openDatabase(path.join(dir, 'jobdeck.db'))
  const store = new SqliteStore(sqlite)
  const cache = new CacheStore(sqlite, store)
  return {
    sqlite,
    store,
    cache,
    sync: (batch) => new CacheSync(conn, cache, store, { batch }),
    close() {
      cache.close()
      store.close()
      sqlite.close()
    },
  }
}

async function addJobs(ids: string[], tx: string): Promise<void> {
  await conn.query(
    `INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, tx)
     SELECT id, 'work', '{}', 0, 'default', 'queued', 0, 0, 0, $2::xid8 FROM unnest($1::text[]) AS id`,
    [ids, tx],
  )
}

/** Finished jobs of types t0–t2, with `attempts` runs each (every third failed, with an error). */
async function addFinished(prefix: string, jobs: number, attempts = 1): Promise<void> {
  await conn.query(
    `INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, attempts, created_at, queued_at, finished_at, last_run_id)
     SELECT $1 || i, 't' || (i % 3), '{}', 0, 'default', CASE WHEN i % 3 = 0 THEN 'failed' ELSE 'succeeded' END, i, $3::int,
       i, i, 1000 + i, $1 || i || '-' || $3::int
     FROM generate_series(1, $2::int) AS i`,
    [prefix, jobs, attempts],
  )
  await conn.query(
    `INSERT INTO jobdeck.runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, error, runner_id)
     SELECT $1 || i || '-' || a, $1 || i, 't' || (i % 3), 'default', '{}', a, CASE WHEN i % 3 = 0 THEN 'failed' ELSE 'succeeded' END,
       i, 100 * i + a, 100 * i + a + i % 7, CASE WHEN i % 3 = 0 THEN 'boom in ' || $1 || i END, 'r1'
     FROM generate_series(1, $2::int) AS i, generate_series(1, $3::int) AS a`,
    [prefix, jobs, attempts],
  )
}

/**
 * What the triggers maintain, for comparing a bulk load with row-by-row upserts. A type's last
 * run is the one mirrored last by the triggers, the one finished last by a bulk load's recompute:
 * checked apart (`lastRuns`).
 */
function derived(sqlite: ReturnType<typeof openDatabase>): Record<string, unknown> {
  return {
    counts: sqlite.prepare('SELECT type, status, n FROM job_counts WHERE n <> 0 ORDER BY type, status').all(),
    lanes: sqlite.prepare('SELECT lane, waiting FROM lane_counts ORDER BY lane').all(),
    stats: sqlite
      .prepare(`SELECT type, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration
        FROM type_stats WHERE runs <> 0 ORDER BY type`)
      .all(),
    // The runs a search for "boom" must find, read from the rows themselves.
    search: sqlite.prepare(`SELECT id FROM runs WHERE status <> 'running' AND ' ' || error LIKE '% boom%' ORDER BY id`).pluck().all(),
    // One search document per finished run with text, keyed by its start, found by the words of its error.
    searchDocs: sqlite
      .prepare(`SELECT s.run_id, s.rowid >> 21 = r.started_at AS keyed FROM run_search s JOIN runs r ON r.id = s.run_id ORDER BY s.run_id`)
      .all(),
    unkeyed: sqlite
      .prepare(`SELECT count(*) FROM runs WHERE status <> 'running' AND (error IS NOT NULL OR EXISTS (SELECT 1 FROM run_logs WHERE run_id = runs.id))
        AND id NOT IN (SELECT run_id FROM run_search)`)
      .pluck()
      .get(),
    keyedWithoutText: sqlite
      .prepare(`SELECT count(*) FROM run_search s LEFT JOIN runs r ON r.id = s.run_id
        WHERE r.error IS NULL AND NOT EXISTS (SELECT 1 FROM run_logs WHERE run_id = s.run_id)`)
      .pluck()
      .get(),
    documentSearch: sqlite
      .prepare(`SELECT run_id FROM run_search WHERE run_search MATCH '{text} : "boom"*' ORDER BY run_id`)
      .pluck()
      .all(),
    triggers: sqlite.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).all(),
    indexes: sqlite.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name`).all(),
  }
}

/** After a bulk load: each type's last run is its run finished last. */
function expectLastRuns(sqlite: ReturnType<typeof openDatabase>): void {
  const stats = sqlite.prepare('SELECT type, last_run_id, last_status, last_finished_at FROM type_stats WHERE runs <> 0 ORDER BY type').all()
  const last = sqlite
    .prepare(`SELECT type, id AS last_run_id, status AS last_status, finished_at AS last_finished_at FROM runs r
      WHERE status <> 'running' AND finished_at = (SELECT max(finished_at) FROM runs WHERE type = r.type AND status <> 'running') ORDER BY type`)
    .all()
  expect(stats).toEqual(last)
}

const BASE_JOB = { params: '{}', priority: 0, lane: 'default', ord: 0, attempts: 1, failures: 0, interruptions: 0, created_at: 0, queued_at: 0, cancel_requested: 0, start_now: 0 }
const BASE_RUN = { lane: 'default', params: '{}', attempt: 1, queued_at: 0, started_at: 0, runner_id: 'me', log_bytes: 0, log_truncated: 0, processes_stopped: 0, gate_bypassed: 0 }

/** A cache row in column order. */
function asRow(columns: readonly string[], values: Record<string, unknown>): unknown[] {
  return columns.map((c) => values[c] ?? null)
}

async function arrays(sql: string): Promise<unknown[][]> {
  const { rows } = await conn.pool.query<unknown[]>({ text: sql, rowMode: 'array' })
  return rows
}

async function truncate(): Promise<void> {
  await conn.query('TRUNCATE jobdeck.jobs, jobdeck.runs CASCADE')
}

describe('CacheSync', () => {
  it('reads rows in numeric transaction order across batches, also where the ids change digits (9 before 10)', async () => {
    // Transaction ids 9 and 10: as text '10' sorts before '9', and a pull ordering by the text
    // would end a batch inside tx 10 and then never read tx 9.
    await addJobs(['a9-1', 'a9-2'], '9')
    await addJobs(['a10-1', 'a10-2', 'a10-3'], '10')
    const cache = freshCache()
    try {
      const result = await cache.sync(2).pull()
      expect(result.jobs).toBe(5)
      const ids = cache.sqlite.prepare('SELECT id FROM jobs ORDER BY id').pluck().all()
      expect(ids).toEqual(['a10-1', 'a10-2', 'a10-3', 'a9-1', 'a9-2'])
    } finally {
      cache.close()
    }
  })

  it('a first pull of several batches drops the deferrable indexes while it loads and builds them again, the same as before', async () => {
    const cache = freshCache()
    const indexes = (): string[] =>
      cache.sqlite
        .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('jobs', 'runs') AND sql IS NOT NULL ORDER BY name`)
        .pluck()
        .all() as string[]
    try {
      const before = indexes()
      const seen: number[] = []
      const sync = new CacheSync(conn, cache.cache, cache.store, {
        batch: 2,
        onProgress: () => seen.push(indexes().length),
      })
      await sync.pull()
      // Fewer indexes while loading, all of them (with the same definitions) afterwards.
      expect(Math.min(...seen)).toBe(before.length - DEFERRABLE_INDEXES.jobs.length)
      expect(indexes()).toEqual(before)
      expect(cache.cache.meta('deferred_indexes')).toBeNull()
    } finally {
      cache.close()
    }
  })

  it('a bulk load of several batches leaves the same counters, stats, search documents, triggers and indexes as row-by-row upserts', async () => {
    await truncate()
    await addFinished('b', 30, 2)
    // Waiting jobs in a few lanes: the per-lane counts /metrics reads.
    await conn.query(`INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at)
      SELECT 'w' || i, 'work', '{}', 0, 'dealer:' || (i % 4), CASE WHEN i % 5 = 0 THEN 'retrying' ELSE 'queued' END, i, i, i
      FROM generate_series(1, 22) AS i`)
    const bulk = freshCache()
    const rowByRow = freshCache()
    try {
      const triggers = (): number =>
        bulk.sqlite.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger'`).pluck().get() as number
      const before = triggers()
      const seen: number[] = []
      await new CacheSync(conn, bulk.cache, bulk.store, { batch: 7, onProgress: () => seen.push(triggers()) }).pull()
      await new CacheSync(conn, rowByRow.cache, rowByRow.store, { batch: 7, bulkLoad: false }).pull()
      // Jobs are loaded first, then runs: the runs' triggers are the most dropped at once.
      expect(Math.min(...seen)).toBe(before - DEFERRABLE_TRIGGERS.runs.length)
      expect(bulk.sqlite.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(60)
      expect(derived(bulk.sqlite)).toEqual(derived(rowByRow.sqlite))
      expect(derived(bulk.sqlite).lanes).toEqual([
        { lane: 'dealer:0', waiting: 5 }, { lane: 'dealer:1', waiting: 6 }, { lane: 'dealer:2', waiting: 6 }, { lane: 'dealer:3', waiting: 5 },
      ])
      const { search, documentSearch, unkeyed, keyedWithoutText, searchDocs } = derived(bulk.sqlite)
      expect(Array.isArray(search)).toBe(true)
      expect(documentSearch).toEqual(search)
      expect((search as string[]).length).toBeGreaterThan(0)
      expect(unkeyed).toBe(0)
      // The succeeded runs (no error, no output) have no document.
      expect(keyedWithoutText).toBe(0)
      expect(searchDocs).toHaveLength((search as string[]).length)
      expectLastRuns(bulk.sqlite)
      expect(bulk.cache.meta('deferred_indexes')).toBeNull()
      expect(bulk.cache.meta('deferred_recompute')).toBeNull()
    } finally {
      bulk.close()
      rowByRow.close()
    }
  })

  it('a bulk load upserts rows already cached (outbox rule included) and skips runs whose job is not cached', async () => {
    await truncate()
    await addFinished('c', 12)
    const cache = freshCache()
    try {
      // Cached before the load: job c1 and its run (still running here), and a finish of run c2-1 in the outbox.
      const job = (id: string): unknown[] => asRow(CacheStore.jobColumns, { ...BASE_JOB, id, type: 't1', status: 'running' })
      const run = (id: string, jobId: string): unknown[] =>
        asRow(CacheStore.runColumns, { ...BASE_RUN, id, job_id: jobId, type: 't1', status: 'running' })
      cache.store.tx(() => cache.cache.applyArraysInTx([job('c1'), job('c2')], [run('c1-1', 'c1'), run('c2-1', 'c2')]))
      cache.cache.addOutbox('finish', {}, 0, 'c2-1')
      cache.cache.beginBulkLoad('jobs')
      cache.cache.beginBulkLoad('runs')
      const jobs = await arrays(`SELECT ${CacheStore.jobColumns.join(', ')} FROM jobdeck.jobs WHERE id <> 'c5' ORDER BY id`)
      const runs = await arrays(`SELECT ${CacheStore.runColumns.join(', ')} FROM jobdeck.runs ORDER BY id`)
      cache.store.tx(() => cache.cache.loadArraysInTx(jobs, runs))
      await cache.cache.endBulkLoad()
      const status = (id: string): unknown => cache.sqlite.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id)
      expect(status('c1-1')).toBe('succeeded')
      expect(status('c2-1')).toBe('running')
      expect(status('c5-1')).toBeUndefined()
      expect(cache.sqlite.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(11)
      expect(cache.sqlite.prepare('SELECT count(*) FROM jobs').pluck().get()).toBe(11)
      expect(cache.sqlite.prepare('SELECT sum(n) FROM job_counts').pluck().get()).toBe(11)
      expect(cache.sqlite.prepare('SELECT sum(runs) FROM type_stats').pluck().get()).toBe(10)
    } finally {
      cache.close()
    }
  })

  it('a bulk load interrupted half-way is finished when the cache is opened again: indexes, triggers, counters, stats and search', async () => {
    await truncate()
    await addFinished('d', 20)
    const cache = freshCache()
    const expected = freshCache()
    try {
      // A local row from before the load, counted by the triggers.
      const local = (c: typeof cache): void => {
        const job = asRow(CacheStore.jobColumns, { ...BASE_JOB, id: 'local', type: 'mine', status: 'failed', failures: 1 })
        const run = asRow(CacheStore.runColumns, {
          ...BASE_RUN, id: 'local-1', job_id: 'local', type: 'mine', status: 'failed', started_at: 5, finished_at: 9, error: 'boom here',
        })
        c.store.tx(() => c.cache.applyArraysInTx([job], [run]))
      }
      local(cache)
      local(expected)
      await expected.sync(1000).pull()
      const count = (): number => cache.sqlite.prepare(`SELECT count(*) FROM sqlite_master WHERE type IN ('index', 'trigger')`).pluck().get() as number
      const before = count()
      cache.cache.beginBulkLoad('jobs')
      cache.cache.beginBulkLoad('runs')
      expect(count()).toBe(before - DEFERRABLE_INDEXES.runs.length - DEFERRABLE_INDEXES.jobs.length - DEFERRABLE_TRIGGERS.jobs.length - DEFERRABLE_TRIGGERS.runs.length)
      const jobs = await arrays(`SELECT ${CacheStore.jobColumns.join(', ')} FROM jobdeck.jobs`)
      const runs = await arrays(`SELECT ${CacheStore.runColumns.join(', ')} FROM jobdeck.runs`)
      cache.store.tx(() => cache.cache.loadArraysInTx(jobs, runs))
      // The process dies here; the next one opens the cache.
      const reopened = new CacheStore(cache.sqlite, cache.store)
      expect(count()).toBe(before)
      expect(reopened.meta('deferred_indexes')).toBeNull()
      expect(reopened.meta('deferred_recompute')).toBeNull()
      expect(derived(cache.sqlite)).toEqual(derived(expected.sqlite))
      expectLastRuns(cache.sqlite)
      expect(cache.sqlite.prepare('SELECT sum(n) FROM job_counts').pluck().get()).toBe(21)
      expect(cache.sqlite.prepare('SELECT sum(runs) FROM type_stats').pluck().get()).toBe(21)
    } finally {
      cache.close()
      expected.close()
    }
  })

  it('a pull whose jobs fit in one batch while their runs take several writes the jobs first (the runs are not skipped)', async () => {
    await truncate()
    await addFinished('e', 3, 3)
    const cache = freshCache()
    try {
      const result = await cache.sync(4).pull()
      expect(result).toMatchObject({ jobs: 3, runs: 9 })
      expect(cache.sqlite.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(9)
    } finally {
      cache.close()
    }
  })

  it('only the first pull copies in bulk: a burst of several batches into a database that was empty then is followed row by row', async () => {
    const empty = await createTestDatabase('jobdeck_sync_empty')
    const emptyConn = new PgConnection({ config: postgresRuntimeSchema.parse({ url: empty.url }), source: 'config' })
    const cache = freshCache()
    try {
      const client = await emptyConn.pool.connect()
      await migratePg(client, empty.name)
      client.release()
      const sync = new CacheSync(emptyConn, cache.cache, cache.store, { batch: 10 })
      await sync.pull()
      const bulk = vi.spyOn(cache.cache, 'beginBulkLoad')
      await emptyConn.query(
        `INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at)
         SELECT 'burst-' || i, 'work', '{}', 0, 'default', 'queued', i, 0, 0 FROM generate_series(1, 25) AS i`,
      )
      await sync.pull()
      expect(bulk).not.toHaveBeenCalled()
      expect(cache.sqlite.prepare(`SELECT count(*) FROM jobs WHERE id LIKE 'burst-%'`).pluck().get()).toBe(25)
      expect(cache.sqlite.prepare(`SELECT n FROM job_counts WHERE type = 'work' AND status = 'queued'`).pluck().get()).toBe(25)
    } finally {
      cache.close()
      await emptyConn.close()
      await empty.drop()
    }
  })

  it('a pulled row never takes a run that finished here back to running, and a row equal to the cached one is not written again', async () => {
    const { sqlite, store, cache, close } = freshCache()
    const job = { id: 'mono-job', type: 'work', params: '{}', priority: 0, lane: 'default', status: 'running', ord: 1, attempts: 1,
      failures: 0, interruptions: 0, created_at: 1, queued_at: 1, run_after: null, finished_at: null, last_run_id: 'mono-run',
      cancel_requested: 0, error: null, start_now: 0 }
    const running = { id: 'mono-run', job_id: 'mono-job', type: 'work', lane: 'default', params: '{}', attempt: 1, status: 'running',
      queued_at: 1, started_at: 2, finished_at: null, exit_code: null, signal: null, error: null, progress_percent: null,
      progress_current: null, progress_total: null, progress_message: null, items_ok: null, items_failed: null, runner_id: 'r1',
      pid: null, pid_start: null, log_bytes: 0, log_truncated: 0, peak_rss_bytes: null, cpu_seconds: null, processes_stopped: 0, gate_bypassed: 0 }
    const row = (r: Record<string, unknown>, columns: readonly string[]): unknown[] => columns.map((c) => r[c])
    store.tx(() => cache.applyArraysInTx([row(job, CacheStore.jobColumns)], [row(running, CacheStore.runColumns)]))
    const finished = { ...running, status: 'succeeded', finished_at: 5, exit_code: 0 }
    store.tx(() => cache.applyArraysInTx([], [row(finished, CacheStore.runColumns)]))
    const seqOf = (): number => Number(sqlite.prepare(`SELECT seq FROM runs WHERE id = 'mono-run'`).pluck().get())
    const seq = seqOf()
    // A pull whose snapshot predates the finish brings the run as it was when claimed.
    store.tx(() => cache.applyArraysInTx([], [row(running, CacheStore.runColumns)]))
    expect(store.getRun('mono-run').status).toBe('succeeded')
    // The same finished row again: nothing to write, nothing to publish.
    store.tx(() => cache.applyArraysInTx([], [row(finished, CacheStore.runColumns)]))
    expect(seqOf()).toBe(seq)
    // A real change still lands.
    store.tx(() => cache.applyArraysInTx([], [row({ ...finished, log_bytes: 10 }, CacheStore.runColumns)]))
    expect(seqOf()).toBeGreaterThan(seq)
    close()
  })

  it('no deferrable index is named by INDEXED BY in the store (such a statement would fail while it is missing)', () => {
    const files = ['sqlite-store.ts', 'sqlite-statements.ts', 'queue-reads.ts', 'history-reads.ts']
    const source = files.map((file) => fs.readFileSync(new URL(`../store/sqlite/${file}`, import.meta.url), 'utf8')).join('\n')
    const named = [...source.matchAll(/INDEXED BY (\w+)/g)].map((m) => m[1])
    expect(named.length).toBeGreaterThan(0)
    for (const name of [...DEFERRABLE_INDEXES.jobs, ...DEFERRABLE_INDEXES.runs]) expect(named).not.toContain(name)
  })
})
