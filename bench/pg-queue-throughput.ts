// Shared mode's queue throughput: N no-op jobs enqueued up front, then drained, through
// (a) Jobdeck's real shared-mode path (createCore with a PostgreSQL URL, the Runner over PgEngine, no-op
// executor: claim → launch → record the result in SQLite + outbox → fenced finish), (b) pg-boss
// and (c) graphile-worker, on the same server in the same run, each on a fresh database, at equal
// concurrency. Only the drain is timed; every figure includes completion (the job marked done in
// PostgreSQL).
//
// Settings chosen for the others (read from their sources in node_modules):
// - pg-boss 10 has no teamSize any more; a worker fetches `batchSize` jobs, runs the handler,
//   completes them (without awaiting the completion) and then sleeps until `pollingInterval` has
//   passed since the fetch, even when more jobs wait; the interval's floor is 0.5 s. `work()` is
//   therefore measured as shipped (batchSize = concurrency, 0.5 s), and its queue without the
//   sleep: `fetch` + `complete` in tight loops, one loop per concurrent job with batchSize 1, and
//   one loop fetching and completing `concurrency` jobs at a time (work()'s loop minus the sleep).
//   The ratio is taken against the best of these. Maintenance, scheduling and state monitoring
//   are off (`supervise: false`, `schedule: false`).
// - graphile-worker 0.16: `run({ concurrency })`: a worker asks for its next job as soon as it
//   completed one, so no poll interval is involved while jobs wait; a silent logger (its default
//   writes a line per job).
import { performance } from 'node:perf_hooks'
import { Logger, run as runGraphile, runMigrations as migrateGraphile, type Task } from 'graphile-worker'
import pg from 'pg'
import PgBoss from 'pg-boss'
import type { Executor } from '../src-main/core/executors/types'
import { fmt, report, tempCore } from './bench-support'
import { serverSummary, withBenchDatabase, type BenchDatabase } from './pg-bench-support'

const JOBS = Number(process.env.BENCH_PG_JOBS ?? 5000)
const LANES = Number(process.env.BENCH_PG_LANES ?? 1)
const CONCURRENCIES = [1, 4] as const
/** pg-boss `work()` polls at most every 0.5 s: measured over a window rather than N jobs. */
const WORK_WINDOW_MS = Number(process.env.BENCH_PGBOSS_WORK_MS ?? 4000)
const TARGET_VS_PGBOSS = 1.5
const TARGET_VS_GRAPHILE = 1

const instant: Executor = {
  execute: async (ctx) => {
    ctx.onStarted(null)
    return { outcome: 'succeeded', exitCode: 0, signal: null, error: null, timedOut: false, itemsOk: null, itemsFailed: null }
  },
}

// ── round trips ─────────────────────────────────────────────────────────────────────────────
// Every statement Jobdeck sends goes through pg.Client#query; counting them per job shows what
// the queue costs in round trips (BENCH_PG_PROFILE=1 prints them by statement).
let queryCount = 0
const queryKinds = new Map<string, number>()
const profile = process.env.BENCH_PG_PROFILE === '1'
const originalQuery = pg.Client.prototype.query
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  queryCount++
  if (profile) {
    const first = args[0]
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '?')
    const kind = text.replace(/\s+/g, ' ').trim().slice(0, 70)
    queryKinds.set(kind, (queryKinds.get(kind) ?? 0) + 1)
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args)
} as typeof pg.Client.prototype.query

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>(sql)
    return Number(rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

// ── Jobdeck ─────────────────────────────────────────────────────────────────────────────────

interface JobdeckFigure {
  jobsPerSecond: number
  queriesPerJob: number
}

async function jobdeck(db: BenchDatabase, concurrency: number): Promise<JobdeckFigure> {
  // BENCH_PG_LANES > 1 spreads the jobs round-robin over that many lanes (each may run the whole
  // concurrency), to see what one lane's claim lock costs against jobs that do not share one.
  const config =
    LANES > 1
      ? `runner:\n  concurrency: ${concurrency}\nlanes:\n  "l:*": { limit: ${concurrency} }\njobs:\n  noop:\n    command: ["true"]\n    params:\n      n: { type: string, required: true }\n    lane: "l:{n}"\n`
      : `runner:\n  concurrency: ${concurrency}\nlanes:\n  default: { limit: ${concurrency} }\njobs:\n  noop:\n    command: ["true"]\n`
  const env = tempCore(config, { postgres: { url: db.url, source: 'flag' }, executorFor: () => instant, log: () => {} })
  try {
    await env.core.ready()
    if (env.core.connection().status !== 'online') throw new Error(`shared database offline: ${env.core.connection().error}`)
    await env.core.api['jobs.enqueueBulk']({ type: 'noop', rows: Array.from({ length: JOBS }, (_, i) => (LANES > 1 ? { n: String(i % LANES) } : {})) })
    queryKinds.clear()
    const q0 = queryCount
    const t0 = performance.now()
    await env.core.startRunner().whenIdle()
    const t1 = performance.now()
    const queries = queryCount - q0
    const succeeded = await count(db.url, `SELECT count(*) AS n FROM jobdeck.jobs WHERE status = 'succeeded'`)
    if (succeeded !== JOBS) throw new Error(`jobdeck: expected ${JOBS} succeeded in PostgreSQL, got ${succeeded}`)
    // The cache is eventually consistent: a pull whose snapshot predates a finish can still
    // land after it and show that job running until the next pull. Catch up, then compare
    // (twice: a pull already running when asked is shared, and its snapshot may be that old one).
    await env.core.link?.pullNow()
    await env.core.link?.pullNow()
    const cached = env.core.store.counts().succeeded
    if (cached !== JOBS) throw new Error(`jobdeck: expected ${JOBS} succeeded in the SQLite cache, got ${cached}`)
    if (profile) {
      const rows = [...queryKinds].sort((a, b) => b[1] - a[1]).slice(0, 12)
      report(`jobdeck c=${concurrency}: statements during the drain`, rows.map(([k, n]) => [fmt(n / JOBS, 2) + '/job', k]))
    }
    return { jobsPerSecond: JOBS / ((t1 - t0) / 1000), queriesPerJob: queries / JOBS }
  } finally {
    await env.dispose()
  }
}

// ── pg-boss ─────────────────────────────────────────────────────────────────────────────────

async function withBoss<T>(db: BenchDatabase, concurrency: number, fn: (boss: PgBoss) => Promise<T>): Promise<T> {
  const boss = new PgBoss({
    connectionString: db.url,
    max: Math.max(4, concurrency + 2),
    schedule: false,
    supervise: false,
    pollingIntervalSeconds: 0.5,
  })
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${String(error)}\n`))
  await boss.start()
  try {
    await boss.createQueue('noop')
    await boss.insert(Array.from({ length: JOBS }, () => ({ name: 'noop', data: {} })))
    return await fn(boss)
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 2000 })
  }
}

const bossCompleted = (db: BenchDatabase): Promise<number> =>
  count(db.url, `SELECT count(*) AS n FROM pgboss.job WHERE name = 'noop' AND state = 'completed'`)

/** `work()` as shipped: batchSize = concurrency, polling at its 0.5 s floor; jobs completed in a window. */
async function pgBossWork(db: BenchDatabase, concurrency: number): Promise<number> {
  return withBoss(db, concurrency, async (boss) => {
    const t0 = performance.now()
    await boss.work('noop', { batchSize: concurrency, pollingIntervalSeconds: 0.5 }, async () => {})
    await new Promise((r) => setTimeout(r, WORK_WINDOW_MS))
    await boss.offWork('noop')
    const elapsed = performance.now() - t0
    // Completions are sent without being awaited: let the last ones land.
    await new Promise((r) => setTimeout(r, 200))
    return (await bossCompleted(db)) / (elapsed / 1000)
  })
}

/** pg-boss's queue without its sleep: `loops` tight fetch → no-op → complete loops of `batch` jobs. */
async function pgBossLoops(db: BenchDatabase, loops: number, batch: number): Promise<number> {
  return withBoss(db, loops * batch, async (boss) => {
    const loop = async (): Promise<void> => {
      for (;;) {
        const jobs = await boss.fetch('noop', { batchSize: batch })
        if (jobs.length === 0) return
        await boss.complete(
          'noop',
          jobs.map((j) => j.id),
        )
      }
    }
    const t0 = performance.now()
    await Promise.all(Array.from({ length: loops }, loop))
    const t1 = performance.now()
    const done = await bossCompleted(db)
    if (done !== JOBS) throw new Error(`pg-boss: expected ${JOBS} completed, got ${done}`)
    return JOBS / ((t1 - t0) / 1000)
  })
}

// ── graphile-worker ─────────────────────────────────────────────────────────────────────────

async function graphile(db: BenchDatabase, concurrency: number): Promise<number> {
  const logger = new Logger(() => () => {})
  await migrateGraphile({ connectionString: db.url, logger })
  await count(db.url, `SELECT count(*) AS n FROM (SELECT graphile_worker.add_job('noop', '{}'::json) FROM generate_series(1, ${JOBS})) added`)
  let done = 0
  const noop: Task = async () => {}
  // Our own pool, so a connection cut when the database is dropped afterwards is not an unhandled error.
  const pool = new pg.Pool({ connectionString: db.url, max: concurrency + 2 })
  pool.on('error', () => {})
  const t0 = performance.now()
  const runner = await runGraphile({
    pgPool: pool,
    concurrency,
    noHandleSignals: true,
    logger,
    taskList: { noop },
  })
  runner.events.on('job:complete', () => {
    done++
  })
  try {
    await waitUntil(() => done >= JOBS, 600_000, 'graphile-worker to drain')
    const t1 = performance.now()
    const left = await count(db.url, `SELECT count(*) AS n FROM graphile_worker.jobs`)
    if (left !== 0) throw new Error(`graphile-worker: ${left} jobs left after ${done} completions`)
    return JOBS / ((t1 - t0) / 1000)
  } finally {
    await runner.stop()
    await pool.end()
  }
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────

export interface PgQueueFigures {
  concurrency: number
  jobdeck: JobdeckFigure
  pgBossWork: number
  pgBossLoops: number
  pgBossBatch: number
  graphile: number
}

export async function benchPgQueueThroughput(): Promise<PgQueueFigures[]> {
  process.stdout.write(`\nshared-mode queue: ${JOBS} no-op jobs per measurement, ${await serverSummary()}\n`)
  const results: PgQueueFigures[] = []
  for (const concurrency of CONCURRENCIES) {
    const figures: PgQueueFigures = {
      concurrency,
      jobdeck: await withBenchDatabase('jobdeck_bench_q', (db) => jobdeck(db, concurrency)),
      graphile: await withBenchDatabase('jobdeck_bench_gw', (db) => graphile(db, concurrency)),
      pgBossLoops: await withBenchDatabase('jobdeck_bench_pb', (db) => pgBossLoops(db, concurrency, 1)),
      pgBossBatch: concurrency === 1 ? NaN : await withBenchDatabase('jobdeck_bench_pb', (db) => pgBossLoops(db, 1, concurrency)),
      pgBossWork: await withBenchDatabase('jobdeck_bench_pb', (db) => pgBossWork(db, concurrency)),
    }
    const bestBoss = Math.max(figures.pgBossLoops, Number.isNaN(figures.pgBossBatch) ? 0 : figures.pgBossBatch)
    const vsBoss = figures.jobdeck.jobsPerSecond / bestBoss
    const vsGraphile = figures.jobdeck.jobsPerSecond / figures.graphile
    const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED')
    report(`concurrency ${concurrency}: drain of ${JOBS} pre-enqueued no-op jobs over ${LANES} lane${LANES === 1 ? '' : 's'}, completion included`, [
      ['Jobdeck shared mode (Runner over PgEngine)', `${fmt(figures.jobdeck.jobsPerSecond, 0)} jobs/s, ${fmt(figures.jobdeck.queriesPerJob, 2)} statements/job`],
      ['graphile-worker run()', `${fmt(figures.graphile, 0)} jobs/s`],
      [`pg-boss fetch+complete, ${concurrency} loop(s) × batch 1`, `${fmt(figures.pgBossLoops, 0)} jobs/s`],
      ...(concurrency > 1 ? ([[`pg-boss fetch+complete, 1 loop × batch ${concurrency}`, `${fmt(figures.pgBossBatch, 0)} jobs/s`]] as Array<[string, string]>) : []),
      [`pg-boss work() batchSize ${concurrency}, 0.5 s polling`, `${fmt(figures.pgBossWork, 1)} jobs/s (its polling floor; not used for the ratio)`],
      ['ratio vs best pg-boss', `${fmt(vsBoss)}× (target ≥ ${TARGET_VS_PGBOSS}×: ${mark(vsBoss >= TARGET_VS_PGBOSS)})`],
      ['ratio vs graphile-worker', `${fmt(vsGraphile)}× (target ≥ ${TARGET_VS_GRAPHILE}×: ${mark(vsGraphile >= TARGET_VS_GRAPHILE)})`],
    ])
    results.push(figures)
  }
  return results
}
