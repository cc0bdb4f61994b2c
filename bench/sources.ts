// Sources (issue 15), against a real PostgreSQL `background_jobs` table of 1M rows made by the
// server: (a) the first backfill through the mirror into a fresh data dir, in rows/s, against a
// raw read of the same rows through pg in the same sitting (what reading alone costs); (b) the
// steady-state poll of that table with 100 changes per poll (50 new rows, 50 running rows
// finished), in database time per poll (the mirror's own measure), with the poll's plan.
// Targets: (b) ≤ 20 ms of database time and an index scan in the plan.
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { createSeedTable, seedBackgroundJobs, sourceConfig } from '../src-main/core/test-support/source-tables'
import { fmt, report, tempCore } from './bench-support'
import { median } from './browser-support'
import { createBenchDatabase, serverSummary, type BenchDatabase } from './pg-bench-support'

const ROWS = Number(process.env.BENCH_SOURCE_ROWS ?? 1_000_000)
const POLLS = 15
const CHANGES = 100
/** Rows left running by the seed, finished 50 at a time by the steady-state polls. */
const RUNNING = (POLLS + 1) * (CHANGES / 2)
const POLL_TARGET_MS = 20

const COLUMNS = 'id, job_type, status, created_at, started_at, completed_at, error_message'

/** The same rows the backfill reads, fetched by one query into JS objects and dropped. */
async function rawRead(url: string): Promise<{ ms: number; rows: number }> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const t0 = performance.now()
    const { rows } = await client.query(`SELECT ${COLUMNS} FROM background_jobs WHERE created_at >= now() - interval '30 days' ORDER BY created_at, id`)
    return { ms: performance.now() - t0, rows: rows.length }
  } finally {
    await client.end()
  }
}

/** A core with one source `legacy` (preset background_jobs) on the bench database; nothing polls until asked. */
function sourceCore(db: BenchDatabase) {
  return tempCore(sourceConfig('preset: background_jobs\nsince: 30d\nstuckAfter: 1h', db.url), { synchronous: 'NORMAL' })
}

async function backfill(db: BenchDatabase): Promise<{ ms: number; rows: number; cpuMs: number; rssMb: number }> {
  const bench = sourceCore(db)
  try {
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await bench.core.api['sources.sync']({ name: 'legacy' })
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const [info] = await bench.core.api['sources.list']({})
    if (info?.status !== 'online') throw new Error(`the source is ${info?.status}: ${info?.error}`)
    return { ms, rows: info.rows, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage().rss / 2 ** 20 }
  } finally {
    await bench.dispose()
  }
}

async function steadyPolls(db: BenchDatabase): Promise<{ dbMs: number[]; wallMs: number[]; plan: string; indexed: boolean }> {
  const bench = sourceCore(db)
  const admin = new pg.Client({ connectionString: db.url })
  await admin.connect()
  try {
    await bench.core.api['sources.sync']({ name: 'legacy' })
    const dbMs: number[] = []
    const wallMs: number[] = []
    for (let i = 0; i < POLLS; i++) {
      await admin.query(`INSERT INTO background_jobs (job_type, status, created_at) SELECT 'type_' || (i % 12), 'pending', now() FROM generate_series(1, $1::int) AS i`, [CHANGES / 2])
      await admin.query(`UPDATE background_jobs SET status = 'completed', completed_at = now()
        WHERE id IN (SELECT id FROM background_jobs WHERE status = 'running' ORDER BY id LIMIT $1)`, [CHANGES / 2])
      const t0 = performance.now()
      const [info] = await bench.core.api['sources.sync']({ name: 'legacy' })
      wallMs.push(performance.now() - t0)
      dbMs.push(info?.pollMs ?? NaN)
    }
    const test = await bench.core.api['sources.test']({ name: 'legacy' })
    return { dbMs, wallMs, plan: test.index?.plan ?? '(no plan)', indexed: test.index?.indexed ?? false }
  } finally {
    await admin.end()
    await bench.dispose()
  }
}

export async function benchSources(): Promise<void> {
  const db = await createBenchDatabase('jobdeck_bench_sources')
  try {
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    const t0 = performance.now()
    await createSeedTable(admin, 'background_jobs')
    await seedBackgroundJobs(admin, ROWS - RUNNING)
    await admin.query(`INSERT INTO background_jobs (job_type, status, created_at, started_at)
      SELECT 'type_' || (i % 12), 'running', now() - interval '1 hour', now() - interval '59 minutes' FROM generate_series(1, $1::int) AS i`, [RUNNING])
    await admin.query('VACUUM ANALYZE background_jobs')
    await admin.end()
    const seedS = (performance.now() - t0) / 1000
    process.stdout.write(`\n${await serverSummary()}\n`)

    // ABAB: the raw read and the backfill alternate, so drift in the machine's speed hits both.
    const raws: Array<{ ms: number; rows: number }> = []
    const fills: Array<Awaited<ReturnType<typeof backfill>>> = []
    for (let i = 0; i < 2; i++) {
      raws.push(await rawRead(db.url))
      fills.push(await backfill(db))
    }
    const rawRate = median(raws.map((r) => r.rows / (r.ms / 1000)))
    const fillRate = median(fills.map((f) => f.rows / (f.ms / 1000)))
    const polls = await steadyPolls(db)
    const pollDb = median(polls.dbMs)
    report(`sources: background_jobs of ${ROWS.toLocaleString('en-US')} rows (seeded in ${fmt(seedS, 1)} s)`, [
      ['raw read of the same rows (one query, pg)', `${raws.map((r) => fmt(r.ms / 1000, 2)).join(' / ')} s → median ${Math.round(rawRate).toLocaleString('en-US')} rows/s`],
      ['first backfill into a fresh data dir', `${fills.map((f) => fmt(f.ms / 1000, 2)).join(' / ')} s → median ${Math.round(fillRate).toLocaleString('en-US')} rows/s (${fills[0]?.rows.toLocaleString('en-US')} rows)`],
      ['backfill / raw read', `${fmt(fillRate / rawRate, 2)}× the rate (${fmt(rawRate / fillRate, 1)}× the time)`],
      ['backfill: this process\'s CPU, RSS after', fills.map((f) => `${fmt(f.cpuMs / 1000, 1)} s CPU, ${fmt(f.rssMb, 0)} MiB`).join(' / ')],
      [`steady poll, ${CHANGES} changes, ${POLLS}×: database time`, `median ${fmt(pollDb, 1)} ms, worst ${fmt(Math.max(...polls.dbMs), 1)} ms  (target ≤ ${POLL_TARGET_MS}: ${fmt(pollDb / POLL_TARGET_MS, 2)}×)`],
      ['steady poll: whole sync call', `median ${fmt(median(polls.wallMs), 1)} ms`],
      ['the poll\'s plan', `${polls.indexed ? 'index' : 'NOT indexed'}: ${polls.plan}`],
    ])
  } finally {
    await db.drop()
  }
}
