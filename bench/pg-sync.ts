// Shared mode's initial sync: 1M finished runs (and their 1M jobs) built in PostgreSQL with
// generate_series, then `CacheSync.pull()` into a fresh SQLite data dir, timed; against a raw
// read of the same rows and columns that writes nothing: (a) the sync's own keyset batches
// ((tx, id) > position, LIMIT, array rows) inside one REPEATABLE READ snapshot, (b) a server-side
// cursor (DECLARE … FETCH). Rows/s count every row written: jobs and runs.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { postgresRuntimeSchema } from '../src-shared/config-schema'
import { databaseFile } from '../src-main/core/paths'
import { PgConnection } from '../src-main/core/store/postgres/pg-connection'
import { migratePg } from '../src-main/core/store/postgres/pg-schema'
import { CacheStore } from '../src-main/core/store/sqlite/cache-store'
import { openDatabase } from '../src-main/core/store/sqlite/open-database'
import { SqliteStore } from '../src-main/core/store/sqlite/sqlite-store'
import { CacheSync } from '../src-main/core/sync/cache-sync'
import { fmt, report } from './bench-support'
import { serverSummary, withBenchDatabase, type BenchDatabase } from './pg-bench-support'

const RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 1_000_000)
const BATCH = 5_000
const TARGET_ROWS_PER_SECOND = 200_000
const TYPES = 20
/** One run every 2.5 s: 1M runs span about 29 days. */
const SPACING_MS = 2_500

/** 1M jobs and one finished run each, in slices of 100k (one transaction each, so `tx` varies). */
export async function buildSyncData(client: pg.Client): Promise<void> {
  await client.query('ALTER TABLE jobdeck.jobs DISABLE TRIGGER jobs_counted')
  const base = Date.now() - RUNS * SPACING_MS
  const slice = 100_000
  for (let lo = 1; lo <= RUNS; lo += slice) {
    const hi = Math.min(RUNS, lo + slice - 1)
    // Every 40th run failed (with an error to search), every 300th partial; durations 0.2–60 s.
    const rows = `FROM generate_series(${lo}, ${hi}) AS i,
      LATERAL (SELECT ${base}::bigint + i::bigint * ${SPACING_MS} AS t,
        200 + (i::bigint * 7919) % 60000 AS dur,
        CASE WHEN i % 40 = 0 THEN 'failed' WHEN i % 300 = 0 THEN 'partial' ELSE 'succeeded' END AS st,
        '01J' || lpad(i::text, 23, '0') AS n) v`
    await client.query(`INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, attempts, failures,
        created_at, queued_at, finished_at, last_run_id, error)
      SELECT 'J' || n, 'type' || (i % ${TYPES}), '{"dealer":"d' || (i % 300) || '","batch":' || i || ',"dry":false}',
        (i % 10 = 0)::int, 'lane' || (i % 5), st, t * 1000.0, 1, (st = 'failed')::int, t - 1000, t - 1000, t + dur, 'R' || n,
        CASE st WHEN 'failed' THEN 'exit code 1: warehouse ' || (i % 97) || ' refused the upload (timeout after 30s)'
          WHEN 'partial' THEN (i % 13) || ' items failed' END
      ${rows}`)
    await client.query(`INSERT INTO jobdeck.runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at,
        finished_at, exit_code, error, progress_percent, items_ok, items_failed, runner_id, log_bytes, peak_rss_bytes, cpu_seconds)
      SELECT 'R' || n, 'J' || n, 'type' || (i % ${TYPES}), 'lane' || (i % 5), '{"dealer":"d' || (i % 300) || '","batch":' || i || ',"dry":false}',
        1, st, t - 1000, t, t + dur, CASE st WHEN 'failed' THEN 1 ELSE 0 END,
        CASE st WHEN 'failed' THEN 'exit code 1: warehouse ' || (i % 97) || ' refused the upload (timeout after 30s)'
          WHEN 'partial' THEN (i % 13) || ' items failed' END,
        100, CASE WHEN i % 3 = 0 THEN 50 END, CASE WHEN i % 3 = 0 THEN (st <> 'succeeded')::int END,
        'bench-host:' || (1000 + i % 4) || ':lx', 4096 + i % 50000, 50000000 + i % 9999999, (i % 600) / 10.0
      ${rows}`)
  }
  await client.query('ALTER TABLE jobdeck.jobs ENABLE TRIGGER jobs_counted')
  await client.query(`INSERT INTO jobdeck.job_counts (type, status, shard, n) SELECT type, status, 0, count(*) FROM jobdeck.jobs GROUP BY 1, 2`)
  await client.query('VACUUM ANALYZE jobdeck.jobs')
  await client.query('VACUUM ANALYZE jobdeck.runs')
}

const select = (table: 'jobs' | 'runs'): string =>
  `SELECT ${(table === 'jobs' ? CacheStore.jobColumns : CacheStore.runColumns).join(', ')}, tx::text AS tx_text FROM jobdeck.${table}`

/** (a) The sync's own reads, nothing written: keyset batches of array rows in one snapshot. */
async function keysetRead(client: pg.Client): Promise<number> {
  let rows = 0
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  for (const table of ['jobs', 'runs'] as const) {
    const width = (table === 'jobs' ? CacheStore.jobColumns : CacheStore.runColumns).length
    let from = ['0', '']
    for (;;) {
      const result = await client.query<unknown[]>({
        text: `${select(table)} WHERE (tx, id) > ($1::xid8, $2) ORDER BY tx, id LIMIT ${BATCH}`,
        values: from,
        rowMode: 'array',
      })
      rows += result.rows.length
      if (result.rows.length < BATCH) break
      const last = result.rows[result.rows.length - 1] as unknown[]
      from = [String(last[width]), String(last[0])]
    }
  }
  await client.query('COMMIT')
  return rows
}

/** (b) A server-side cursor over the same rows, fetched in batches of the same size. */
async function cursorRead(client: pg.Client): Promise<number> {
  let rows = 0
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  for (const table of ['jobs', 'runs'] as const) {
    await client.query(`DECLARE sync_read NO SCROLL CURSOR FOR ${select(table)} ORDER BY tx, id`)
    for (;;) {
      const result = await client.query<unknown[]>({ text: `FETCH ${BATCH} FROM sync_read`, rowMode: 'array' })
      rows += result.rows.length
      if (result.rows.length < BATCH) break
    }
    await client.query('CLOSE sync_read')
  }
  await client.query('COMMIT')
  return rows
}

/** int8 as numbers, as the sync's own connection reads them. */
function benchClient(db: BenchDatabase): pg.Client {
  return new pg.Client({
    connectionString: db.url,
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) },
  } as pg.ClientConfig)
}

async function timed(fn: () => Promise<number>): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now()
  const rows = await fn()
  return { rows, seconds: (performance.now() - t0) / 1000 }
}

async function pullIntoFreshCache(db: BenchDatabase): Promise<{ jobs: number; runs: number; seconds: number; verified: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-sync-'))
  const sqlite = openDatabase(databaseFile(path.join(dir, 'data')))
  const store = new SqliteStore(sqlite)
  const cache = new CacheStore(sqlite, store)
  const conn = new PgConnection({ config: postgresRuntimeSchema.parse({ url: db.url }), source: 'flag' })
  try {
    const sync = new CacheSync(conn, cache, store)
    const t0 = performance.now()
    const result = await sync.pull()
    const seconds = (performance.now() - t0) / 1000
    const one = (sql: string): number => Number(sqlite.prepare(sql).pluck().get())
    const cachedRuns = one('SELECT count(*) FROM runs')
    const cachedJobs = one('SELECT count(*) FROM jobs')
    const counted = one('SELECT sum(n) FROM job_counts')
    const stats = one('SELECT sum(runs) FROM type_stats')
    const failed = one(`SELECT count(*) FROM runs WHERE status = 'failed'`)
    const searchable = one(`SELECT count(*) FROM run_search WHERE run_search MATCH '{text} : warehouse'`)
    if (cachedRuns !== RUNS || cachedJobs !== RUNS || counted !== RUNS || stats !== RUNS || searchable !== failed) {
      throw new Error(
        `sync: expected ${RUNS} jobs, runs, counted jobs and runs in type stats, ${failed} searchable errors; ` +
          `got ${cachedJobs}, ${cachedRuns}, ${counted}, ${stats}, ${searchable}`,
      )
    }
    return { jobs: result.jobs, runs: result.runs, seconds, verified: `${cachedJobs} jobs, ${cachedRuns} runs, counters and search documents checked` }
  } finally {
    await conn.close()
    store.close()
    sqlite.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export interface PgSyncFigures {
  syncRowsPerSecond: number
  syncRunsPerSecond: number
  keysetRowsPerSecond: number
  cursorRowsPerSecond: number
}

export async function benchPgSync(): Promise<PgSyncFigures> {
  process.stdout.write(`\ninitial sync: ${RUNS} runs and their jobs, ${await serverSummary()}\n`)
  return withBenchDatabase('jobdeck_bench_sync', async (db) => {
    const client = benchClient(db)
    await client.connect()
    try {
      const t0 = performance.now()
      await migratePg(client, db.name)
      await buildSyncData(client)
      const buildSeconds = (performance.now() - t0) / 1000
      // Warm the server's cache the same way for every reader: one read first, not timed.
      await keysetRead(client)
      const keyset = await timed(() => keysetRead(client))
      const cursor = await timed(() => cursorRead(client))
      const sync = await pullIntoFreshCache(db)
      const rows = sync.jobs + sync.runs
      if (rows !== keyset.rows || rows !== cursor.rows) throw new Error(`sync read ${rows} rows, raw reads ${keyset.rows} / ${cursor.rows}`)
      const figures: PgSyncFigures = {
        syncRowsPerSecond: rows / sync.seconds,
        syncRunsPerSecond: sync.runs / sync.seconds,
        keysetRowsPerSecond: keyset.rows / keyset.seconds,
        cursorRowsPerSecond: cursor.rows / cursor.seconds,
      }
      report(`initial sync of ${sync.runs} runs + ${sync.jobs} jobs into a fresh SQLite cache (built in ${fmt(buildSeconds, 1)} s)`, [
        ['CacheSync.pull()', `${fmt(sync.seconds, 2)} s = ${fmt(figures.syncRowsPerSecond / 1000, 0)}k rows/s (target ≥ ${TARGET_ROWS_PER_SECOND / 1000}k: ${figures.syncRowsPerSecond >= TARGET_ROWS_PER_SECOND ? 'met' : 'MISSED'}); ${fmt(figures.syncRunsPerSecond / 1000, 0)}k runs/s`],
        ['raw keyset read, nothing written', `${fmt(keyset.seconds, 2)} s = ${fmt(figures.keysetRowsPerSecond / 1000, 0)}k rows/s`],
        ['raw cursor read (DECLARE/FETCH)', `${fmt(cursor.seconds, 2)} s = ${fmt(figures.cursorRowsPerSecond / 1000, 0)}k rows/s`],
        ['sync / keyset read', `${fmt(figures.syncRowsPerSecond / figures.keysetRowsPerSecond)}×`],
        ['sync / cursor read', `${fmt(figures.syncRowsPerSecond / figures.cursorRowsPerSecond)}×`],
        ['checked', sync.verified],
      ])
      return figures
    } finally {
      await client.end()
    }
  })
}
