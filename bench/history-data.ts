// A realistic history for the History benchmark: N runs (default 1M) of six job types over the
// last 30 days, with retries, every run status, errors, usage figures and captured output.
//
// Rows go straight into SQLite through the core's own connection (`core.store.db`) in one
// transaction with synchronous=OFF, which takes seconds where the runner's path (claim, then
// finish: one transaction each) would take hours. What the triggers would have maintained:
//  - jobs → job_counts: the insert trigger runs as is (cheap).
//  - runs → type_stats: its trigger fires on UPDATE (a run is inserted `running` and later
//    finished), not on INSERT. Rather than insert-then-update 1M rows, it is filled afterwards
//    with the aggregation migration 3 backfills with, plus the last run.
//  - runs → run_search (schema 7): its triggers fire on INSERT of a finished run with an error,
//    and again for each output line written after it, so the seeding writes the search
//    documents as it goes. (The history bench seeds with the tree it runs on, at its newest
//    schema; BENCHMARKS.md's issue 12 figures also time a dir seeded by an older tree at schema 6
//    and then migrated: how long migration 7 takes.)
// No ANALYZE: a real database never gets one either, so the planner sees what it sees in use.
import { performance } from 'node:perf_hooks'
import { ulid } from 'ulid'
import type { SqliteDatabase } from '../src-main/core/store/sqlite/open-database'
import { seededRandom } from '../src-main/core/test-support/seeded-random'

const DAY = 86_400_000

interface TypeShape {
  name: string
  weight: number
  /** Typical duration, ms. */
  ms: number
  failRate: number
  partialRate: number
  lane: (rnd: () => number) => string
  params: (rnd: () => number) => Record<string, string | number | boolean>
  log: (rnd: () => number, params: Record<string, string | number | boolean>) => string
  errors: readonly string[]
}

const WAREHOUSES = ['north', 'south', 'east'] as const
const REPORTS = ['sales', 'inventory', 'margins'] as const
const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T
const dealer = (rnd: () => number): string => String(10_000 + Math.floor(rnd() * 400) * 211).slice(0, 5)

export const HISTORY_TYPES: readonly TypeShape[] = [
  {
    name: 'fetch-prospects',
    weight: 30,
    ms: 45_000,
    failRate: 0.06,
    partialRate: 0,
    lane: () => 'dealer',
    params: (rnd) => ({ dealer_id: dealer(rnd), from: '2026-01-01' }),
    log: (rnd, p) => `fetched ${Math.floor(rnd() * 900)} prospects for dealer ${p.dealer_id} in ${1 + Math.floor(rnd() * 30)} pages`,
    errors: [
      'exit code 1: error: CRM export of dealer {d} answered 429 Too Many Requests; retry later',
      'exit code 1: error: ECONNRESET while fetching page {n} of dealer {d}',
      'timed out after 30m: the process tree was stopped (SIGTERM, then SIGKILL)',
    ],
  },
  {
    name: 'sync-inventory',
    weight: 35,
    ms: 8_000,
    failRate: 0.22,
    partialRate: 0,
    lane: () => 'warehouse',
    params: (rnd) => ({ warehouse: pick(rnd, WAREHOUSES), failRate: 0.3 }),
    log: (rnd, p) => `synced ${Math.floor(rnd() * 20_000)} skus of warehouse ${p.warehouse}: stock levels reconciled`,
    errors: ['exit code 1: error: inventory API of warehouse {w} is unavailable (503); simulated with failRate=0.3'],
  },
  {
    name: 'send-invoices',
    weight: 8,
    ms: 120_000,
    failRate: 0.03,
    partialRate: 0.25,
    lane: () => 'reports',
    params: (rnd) => ({ month: `2026-${String(1 + Math.floor(rnd() * 10)).padStart(2, '0')}`, count: 40, failEvery: 13, dryRun: false }),
    log: (rnd, p) => `sent ${Math.floor(rnd() * 400)} invoices for ${p.month}; customers without billing email skipped`,
    errors: ['exit code 1: error: SMTP relay refused the connection (421 too many connections)', '{n} invoices failed: customers without a billing email'],
  },
  {
    name: 'rebuild-report',
    weight: 7,
    ms: 600_000,
    failRate: 0.04,
    partialRate: 0,
    lane: () => 'reports',
    params: (rnd) => ({ report: pick(rnd, REPORTS), seconds: 20, asOf: '2026-06-30T00:00:00Z' }),
    log: (rnd, p) => `report ${p.report} rebuilt: ${Math.floor(rnd() * 1e6)} rows aggregated`,
    errors: ['exit code 137: killed (out of memory) while aggregating report {r}', 'exit code 1: error: disk full: could not write {r}.parquet'],
  },
  {
    name: 'import-orders',
    weight: 15,
    ms: 20_000,
    failRate: 0.08,
    partialRate: 0.05,
    lane: () => 'default',
    params: (rnd) => ({ shop: `shop-${1 + Math.floor(rnd() * 12)}` }),
    log: (rnd, p) => `imported ${Math.floor(rnd() * 3000)} orders from ${p.shop}`,
    errors: ['exit code 2: error: order feed of {s} is not valid JSON at line {n}', 'exit code 1: error: duplicate order number in feed of {s}'],
  },
  {
    name: 'cleanup-temp',
    weight: 5,
    ms: 3_000,
    failRate: 0.01,
    partialRate: 0,
    lane: () => 'default',
    params: () => ({ olderThan: '7d' }),
    log: (rnd) => `removed ${Math.floor(rnd() * 5000)} temporary files, freed ${Math.floor(rnd() * 900)} MiB`,
    errors: ['exit code 1: error: permission denied removing /var/tmp/jobdeck/{n}'],
  },
]

/** The config the seeded history belongs to (commands never run: no runner is started). */
export function historyConfigYaml(): string {
  return `jobs:\n${HISTORY_TYPES.map((t) => `  ${t.name}:\n    command: ["true"]\n`).join('')}`
}

/** A rare phrase in about one run in 10,000 (the "needle" search). */
export const RARE_PHRASE = 'checksum mismatch'

export interface SeedResult {
  runs: number
  jobs: number
  logLines: number
  ms: number
  /** A run about half way down the history, for a deep keyset page. */
  middle: { startedAt: string; id: string }
}

export function seedHistory(db: SqliteDatabase, runs: number, now = Date.now(), days = 30): SeedResult {
  const t0 = performance.now()
  // Deterministic, so that runs of the benchmark compare.
  const rnd = seededRandom(20_260_301)
  const totalWeight = HISTORY_TYPES.reduce((s, t) => s + t.weight, 0)
  const chooseType = (): TypeShape => {
    let x = rnd() * totalWeight
    for (const t of HISTORY_TYPES) if ((x -= t.weight) < 0) return t
    return HISTORY_TYPES[0] as TypeShape
  }
  const insertJob = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, attempts, failures, interruptions,
    created_at, queued_at, run_after, finished_at, last_run_id, cancel_requested, error, seq)
    VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 0, ?, 1)`)
  const insertRun = db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at,
    exit_code, signal, error, progress_percent, items_ok, items_failed, runner_id, pid, log_bytes, log_truncated, seq, peak_rss_bytes, cpu_seconds)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench-runner', ?, ?, 0, 1, ?, ?)`)
  const insertLog = db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, ?, ?, ?)`)

  const start = now - days * DAY
  const step = (days * DAY) / runs
  let jobs = 0
  let logLines = 0
  let middle = { startedAt: '', id: '' }

  interface OpenJob {
    id: string
    type: TypeShape
    lane: string
    params: string
    paramsObj: Record<string, string | number | boolean>
    createdAt: number
    attempts: number
    failures: number
    interruptions: number
  }
  const flushJob = (job: OpenJob, status: string, finishedAt: number | null, lastRunId: string, error: string | null): void => {
    insertJob.run(job.id, job.type.name, job.params, job.lane, status, job.createdAt * 1000, job.attempts, job.failures, job.interruptions, job.createdAt, job.createdAt, finishedAt, lastRunId, error)
    jobs++
  }

  const previous = {
    synchronous: db.pragma('synchronous', { simple: true }),
    cache: db.pragma('cache_size', { simple: true }),
  }
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  db.transaction(() => {
    // A job row is written once its last attempt is known, after its runs: check keys at commit.
    db.pragma('defer_foreign_keys = ON')
    let retry: OpenJob | null = null
    for (let i = 0; i < runs; i++) {
      const startedAt = Math.floor(start + i * step + rnd() * step * 0.5)
      let job: OpenJob
      if (retry) {
        job = retry
        retry = null
      } else {
        const type = chooseType()
        const paramsObj = type.params(rnd)
        const laneKind = type.lane(rnd)
        const lane =
          laneKind === 'dealer' ? `dealer:${String(paramsObj.dealer_id)}` : laneKind === 'warehouse' ? `warehouse:${String(paramsObj.warehouse)}` : laneKind
        job = {
          id: ulid(startedAt - 500, rnd),
          type,
          lane,
          params: JSON.stringify(paramsObj),
          paramsObj,
          createdAt: startedAt - 500 - Math.floor(rnd() * 60_000),
          attempts: 0,
          failures: 0,
          interruptions: 0,
        }
      }
      const type = job.type
      job.attempts++
      const id = ulid(startedAt, rnd)
      if (i === Math.floor(runs / 2)) middle = { startedAt: new Date(startedAt).toISOString(), id }
      // Durations: mostly near the type's usual, now and then much longer.
      const duration = Math.max(50, Math.round(type.ms * (0.4 + rnd() * 1.2) * (rnd() < 0.02 ? 4 : 1)))
      const finishedAt = startedAt + duration
      const x = rnd()
      const status =
        x < type.failRate ? 'failed' : x < type.failRate + type.partialRate ? 'partial' : x < type.failRate + type.partialRate + 0.005 ? 'canceled' : x < type.failRate + type.partialRate + 0.008 ? 'interrupted' : 'succeeded'
      const fill = (text: string): string =>
        text
          .replace('{d}', String(job.paramsObj.dealer_id ?? '10000'))
          .replace('{w}', String(job.paramsObj.warehouse ?? 'north'))
          .replace('{r}', String(job.paramsObj.report ?? 'sales'))
          .replace('{s}', String(job.paramsObj.shop ?? 'shop-1'))
          .replace('{n}', String(1 + Math.floor(rnd() * 40)))
      const error =
        status === 'failed'
          ? fill(pick(rnd, type.errors))
          : status === 'partial'
            ? `${1 + Math.floor(rnd() * 20)} of ${40 + Math.floor(rnd() * 400)} items failed`
            : status === 'canceled'
              ? 'canceled by operator'
              : status === 'interrupted'
                ? 'interrupted: the runner stopped (machine restart) while this run was going'
                : null
      const exitCode = status === 'succeeded' || status === 'partial' ? 0 : status === 'failed' ? (/exit code (\d+)/.exec(error ?? '')?.[1] ?? 1) : null
      const signal = status === 'canceled' ? 'SIGTERM' : null
      const stdout = `${type.log(rnd, job.paramsObj)}${rnd() < 0.0001 ? `; ${RARE_PHRASE} in batch ${Math.floor(rnd() * 1000)}` : ''}`
      insertRun.run(
        id,
        job.id,
        type.name,
        job.lane,
        job.params,
        job.attempts,
        status,
        startedAt - 200,
        startedAt,
        finishedAt,
        exitCode === null ? null : Number(exitCode),
        signal,
        error,
        status === 'succeeded' ? 100 : Math.floor(rnd() * 100),
        null,
        null,
        10_000 + Math.floor(rnd() * 50_000),
        stdout.length + 1 + (error ? error.length + 1 : 0),
        Math.floor((16 + rnd() * 480) * 1_048_576),
        Math.round((duration / 1000) * (0.05 + rnd() * 0.9) * 10) / 10,
      )
      insertLog.run(id, 'stdout', finishedAt - 1, stdout)
      logLines++
      if (error && status !== 'canceled') {
        insertLog.run(id, 'stderr', finishedAt, error)
        logLines++
      }
      if (status === 'failed') job.failures++
      if (status === 'interrupted') job.interruptions++
      // A failed or interrupted attempt is retried (up to three attempts) by the next run.
      if ((status === 'failed' || status === 'interrupted') && job.attempts < 3 && rnd() < 0.7) {
        retry = job
        continue
      }
      const jobStatus = status === 'interrupted' ? 'failed' : status
      flushJob(job, jobStatus, finishedAt, id, error)
    }
    if (retry) flushJob(retry, 'failed', null, '', null)

    // What the UPDATE trigger would have maintained (see the header).
    db.exec(`DELETE FROM type_stats`)
    db.exec(`INSERT INTO type_stats (type, runs, succeeded, partial, failed, canceled, interrupted, duration_sum, max_duration, last_run_id, last_status, last_finished_at)
      SELECT type, count(*), sum(status = 'succeeded'), sum(status = 'partial'), sum(status = 'failed'),
        sum(status = 'canceled'), sum(status = 'interrupted'),
        sum(max(0, coalesce(finished_at, started_at) - started_at)), max(coalesce(finished_at, started_at) - started_at),
        (SELECT id FROM runs r2 WHERE r2.type = runs.type AND r2.status <> 'running' ORDER BY finished_at DESC LIMIT 1),
        (SELECT status FROM runs r2 WHERE r2.type = runs.type AND r2.status <> 'running' ORDER BY finished_at DESC LIMIT 1),
        max(finished_at)
      FROM runs WHERE status <> 'running' GROUP BY type`)
    db.prepare(`UPDATE meta SET value = '1' WHERE key = 'seq'`).run()
  })()
  db.pragma(`synchronous = ${String(previous.synchronous)}`)
  db.pragma(`cache_size = ${String(previous.cache)}`)
  db.pragma('wal_checkpoint(TRUNCATE)')
  return { runs, jobs, logLines, ms: performance.now() - t0, middle }
}
