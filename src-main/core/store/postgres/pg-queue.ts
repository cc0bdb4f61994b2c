// The shared queue in PostgreSQL: every operation of the local store, for many runners at once.
// Rows come back in the SQLite row shape (same column names, epoch-ms numbers), so the cache
// stores them as they are and the same mapping turns them into domain objects.
import type pg from 'pg'
import type { Job, JobStatus, Priority } from '../../../../src-shared/domain'
import { isTerminalJobStatus, JOB_STATUSES, PRIORITY_RANK, TERMINAL_JOB_STATUSES } from '../../../../src-shared/domain'
import { JobdeckError } from '../../../../src-shared/errors'
import { jobAfterRun } from '../../model/transitions'
import { resultRecord } from '../result-record'
import type { LogAppend, NewJob, RunCompletion, StatusCounts } from '../store-types'
import { toJob, type JobRow, type RunRow } from '../sqlite/rows'
import { refuseStartNow } from '../../model/start-now'
import type { PgConnection } from './pg-connection'
import type { LaneRate } from '../../../../src-shared/config-schema'

export interface PgNewJob {
  id: string
  type: string
  params: string
  priority: Priority
  lane: string
  ord: number
  createdAt: number
}

export interface PgClaimInput {
  runnerId: string
  now: number
  max: number
  allowedTypes: readonly string[]
  /** Lane limits by exact name, and `*` patterns (in config order) with their limits. */
  lanes: { exact: Record<string, number>; patterns: Array<[string, number]> }
  /** Types the gate holds: only a job asked to "Start now" is claimed from them. */
  gatedTypes?: readonly string[]
  /** Lane rates like the limits (a lane's entry without a rate has limit 0); absent or null: no lane has one. */
  rates?: { exact: Record<string, LaneRate>; patterns: Array<[string, LaneRate]> } | null
  leaseMs: number
  runIds: readonly string[]
}

/** An outbox entry written before migration 6: the retry delays, not the decision. */
export interface LegacyFinishPayload {
  completion: Omit<RunCompletion, 'transition'>
  retryDelays: Array<number | null>
}

export interface RowPair {
  job: JobRow
  run: RunRow
}

export interface PgRunnerInfo {
  id: string
  host: string
  pid: number
  startedAt: number
  heartbeatAt: number
}

/** A `*` lane pattern as a LIKE pattern (other LIKE metacharacters escaped). */
export function likePattern(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%')
}

/** json from row_to_json: bigint arrives as a JSON number, int flags as numbers. */
function jobRow(value: unknown): JobRow {
  const row = value as JobRow & { tx?: unknown }
  return { ...row, start_now: row.start_now ?? 0, seq: 0 }
}

function runRow(value: unknown): RunRow {
  const row = value as RunRow & { tx?: unknown; lease_until?: unknown }
  return { ...row, gate_bypassed: row.gate_bypassed ?? 0, seq: 0 }
}

export class PgQueue {
  constructor(private readonly conn: PgConnection) {}

  /** Idempotent by id: a job pushed twice (outbox replay) is inserted once. */
  async enqueue(jobs: readonly PgNewJob[]): Promise<JobRow[]> {
    if (jobs.length === 0) return []
    const { rows } = await this.conn.query<JobRow>(
      `WITH added AS (
        INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at)
        SELECT id, type, params, priority, lane, 'queued', ord, created_at, created_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::int8[])
          AS j (id, type, params, priority, lane, ord, created_at)
        ON CONFLICT (id) DO NOTHING
        RETURNING *
      ), woke AS (SELECT pg_notify('jobdeck', 'jobs'))
      SELECT added.* FROM added, woke`,
      [
        jobs.map((j) => j.id),
        jobs.map((j) => j.type),
        jobs.map((j) => j.params),
        jobs.map((j) => PRIORITY_RANK[j.priority]),
        jobs.map((j) => j.lane),
        jobs.map((j) => j.ord),
        jobs.map((j) => j.createdAt),
      ],
    )
    return rows.map(jobRow)
  }

  async claim(input: PgClaimInput): Promise<RowPair[]> {
    if (input.max <= 0 || input.allowedTypes.length + (input.gatedTypes?.length ?? 0) === 0) return []
    const { rows } = await this.conn.query<{ job: unknown; run: unknown }>(
      'SELECT job, run FROM jobdeck.claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [input.runnerId, input.now, ...claimArgs(input), [], input.gatedTypes ?? [], ratesArg(input)],
    )
    return rows.map((r) => ({ job: jobRow(r.job), run: runRow(r.run) }))
  }

  /**
   * Fenced finishes of every result given and the claim of up to `next.max` runs, in one
   * statement (one round trip, one commit). `finished` has each result's job, or null when the run
   * was no longer this runner's; the claims stand either way.
   */
  async finishAndClaim(results: readonly RunCompletion[], next: PgClaimInput | null): Promise<{ finished: Map<string, JobRow | null>; claimed: RowPair[] }> {
    const runnerId = next?.runnerId ?? results[0]?.runnerId
    if (runnerId === undefined || results.some((r) => r.runnerId !== runnerId)) {
      throw new Error("finishAndClaim: the results and the claim must all be one runner's")
    }
    const claim = next && next.max > 0 && next.allowedTypes.length + (next.gatedTypes?.length ?? 0) > 0 ? next : null
    const { rows } = await this.conn.query<{ finished_run: string | null; finished: unknown; job: unknown; run: unknown }>(
      'SELECT finished_run, finished, job, run FROM jobdeck.finish_and_claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [
        JSON.stringify(results.map(resultRecord)),
        runnerId,
        claim?.now ?? Date.now(),
        ...(claim ? [...claimArgs(claim), claim.gatedTypes ?? [], ratesArg(claim)] : [0, [], '{}', '[]', 0, [], [], null]),
      ],
    )
    const finished = new Map<string, JobRow | null>()
    const claimed: RowPair[] = []
    for (const row of rows) {
      if (row.finished_run !== null) finished.set(row.finished_run, row.finished ? jobRow(row.finished) : null)
      else claimed.push({ job: jobRow(row.job), run: runRow(row.run) })
    }
    return { finished, claimed }
  }

  /** Fenced: null when the run is no longer this runner's (rescued, or already finished). */
  async finish(c: RunCompletion): Promise<JobRow | null> {
    const { finished } = await this.finishAndClaim([c], null)
    return finished.get(c.runId) ?? null
  }

  /**
   * An outbox entry from before the runner decided the job's next state: decided now, from the
   * failures of the job as the database has them. They cannot change before this finish is
   * applied: only the fenced finish of this very run (still running, still ours) changes them.
   */
  async decideLegacy(entry: LegacyFinishPayload): Promise<RunCompletion> {
    const { completion: c, retryDelays } = entry
    const { rows } = await this.conn.query<{ failures: number }>(
      `SELECT j.failures FROM jobdeck.runs r JOIN jobdeck.jobs j ON j.id = r.job_id WHERE r.id = $1 AND r.runner_id = $2 AND r.status = 'running'`,
      [c.runId, c.runnerId],
    )
    const transition = jobAfterRun(c, rows[0]?.failures ?? 0, (failures) => retryDelays[failures - 1] ?? null)
    return { ...c, transition }
  }

  /** Who holds a run and its status; null when there is no such run. */
  async runOwner(runId: string): Promise<{ runnerId: string; status: string } | null> {
    const { rows } = await this.conn.query<{ runner_id: string; status: string }>('SELECT runner_id, status FROM jobdeck.runs WHERE id = $1', [runId])
    return rows[0] ? { runnerId: rows[0].runner_id, status: rows[0].status } : null
  }

  /** Renews the leases of this runner's runs; returns the ids it still owns. */
  async renewLeases(runnerId: string, runIds: readonly string[], leaseMs: number, now: number, host: string, pid: number, startedAt: number): Promise<string[]> {
    const { rows } = await this.conn.query<{ id: string }>(
      `WITH me AS (
        INSERT INTO jobdeck.runners (id, host, pid, started_at, heartbeat_at) VALUES ($1, $4, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
      )
      UPDATE jobdeck.runs SET lease_until = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $3
      WHERE id = ANY ($2) AND runner_id = $1 AND status = 'running' RETURNING id`,
      [runnerId, runIds, leaseMs, host, pid, startedAt, now],
    )
    return rows.map((r) => r.id)
  }

  async removeRunner(runnerId: string): Promise<void> {
    await this.conn.query('DELETE FROM jobdeck.runners WHERE id = $1', [runnerId])
  }

  async runners(freshWithinMs: number, now: number): Promise<Array<PgRunnerInfo & { running: number }>> {
    const { rows } = await this.conn.query<{ id: string; host: string; pid: number; started_at: number; heartbeat_at: number; running: number }>(
      `SELECT r.*, (SELECT count(*)::int FROM jobdeck.runs WHERE runner_id = r.id AND status = 'running') AS running
       FROM jobdeck.runners r WHERE heartbeat_at > $1 ORDER BY started_at`,
      [now - freshWithinMs],
    )
    return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, startedAt: r.started_at, heartbeatAt: r.heartbeat_at, running: r.running }))
  }

  /** Folds the counter shards of database sessions that ended into one row each (see compact_counts). */
  async compactCounts(): Promise<void> {
    await this.conn.query('SELECT jobdeck.compact_counts()')
  }

  /** Running runs whose lease has lapsed (by the database's clock): a rescue's candidates. */
  async expiredRuns(): Promise<string[]> {
    const { rows } = await this.conn.query<{ id: string }>(
      `SELECT id FROM jobdeck.runs WHERE status = 'running' AND lease_until < (extract(epoch FROM clock_timestamp()) * 1000)::bigint`,
    )
    return rows.map((r) => r.id)
  }

  /** Interrupts those of `runIds` whose lease has lapsed, re-queueing (or failing) their jobs. */
  async rescue(now: number, failTypes: readonly string[], interruptLimit: number, runIds: readonly string[]): Promise<RowPair[]> {
    if (runIds.length === 0) return []
    const { rows } = await this.conn.query<{ job: unknown; run: unknown }>('SELECT job, run FROM jobdeck.rescue($1, $2, $3, $4)', [
      now,
      failTypes,
      interruptLimit,
      runIds,
    ])
    return rows.map((r) => ({ job: jobRow(r.job), run: runRow(r.run) }))
  }

  /** At a clean stop: this runner's runs are interrupted and their jobs re-queued now, not after the lease. */
  async releaseRuns(runnerId: string, now: number, failTypes: readonly string[], interruptLimit: number): Promise<void> {
    const { rows } = await this.conn.query<{ id: string }>(
      `UPDATE jobdeck.runs SET lease_until = 0 WHERE runner_id = $1 AND status = 'running' RETURNING id`,
      [runnerId],
    )
    await this.rescue(now, failTypes, interruptLimit, rows.map((r) => r.id))
  }

  /** Anything queued, retrying or running anywhere in the shared queue. */
  async hasPendingWork(): Promise<boolean> {
    const { rows } = await this.conn.query<{ pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM jobdeck.jobs WHERE status IN ('queued','retrying','running')) AS pending`,
    )
    return rows[0]?.pending ?? false
  }

  /** Running runs of this machine whose runner process is gone (for orphan cleanup at start). */
  async runsOfHost(host: string, since: number): Promise<Array<{ id: string; runnerId: string; status: string }>> {
    const { rows } = await this.conn.query<{ id: string; runner_id: string; status: string }>(
      `SELECT id, runner_id, status FROM jobdeck.runs
       WHERE runner_id LIKE $1 AND (status = 'running' OR (status = 'interrupted' AND finished_at > $2))`,
      [`${likePattern(host)}:%`, since],
    )
    return rows.map((r) => ({ id: r.id, runnerId: r.runner_id, status: r.status }))
  }

  async saveProgress(runId: string, runnerId: string, c: Pick<RunCompletion, 'progress' | 'itemsOk' | 'itemsFailed'>): Promise<void> {
    await this.conn.query(
      `UPDATE jobdeck.runs SET progress_percent = $3, progress_current = $4, progress_total = $5, progress_message = $6,
        items_ok = $7, items_failed = $8, tx = pg_current_xact_id()
       WHERE id = $1 AND runner_id = $2 AND status = 'running'`,
      [runId, runnerId, c.progress.percent, c.progress.current, c.progress.total, c.progress.message, c.itemsOk, c.itemsFailed],
    )
  }

  /** The work started: its pid (null for sql/http) and when it really started. */
  async markStarted(runId: string, runnerId: string, startedAt: number, pid: number | null, pidStart: string | null): Promise<void> {
    await this.conn.query(
      `UPDATE jobdeck.runs SET started_at = $3, pid = $4, pid_start = $5, tx = pg_current_xact_id()
       WHERE id = $1 AND runner_id = $2 AND status = 'running'`,
      [runId, runnerId, startedAt, pid, pidStart],
    )
  }

  /** Output lines; the newest `limit` bytes per run are kept like the local store does. */
  async appendLogs(lines: readonly LogAppend[], limitFor: (runId: string) => number): Promise<void> {
    if (lines.length === 0) return
    const sizes = new Map<string, number>()
    for (const line of lines) sizes.set(line.runId, (sizes.get(line.runId) ?? 0) + Buffer.byteLength(line.text) + 1)
    await this.conn.transaction(async (client) => {
      await client.query(
        `INSERT INTO jobdeck.run_logs (run_id, stream, at, text)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[])`,
        [lines.map((l) => l.runId), lines.map((l) => l.stream), lines.map((l) => l.at), lines.map((l) => l.text)],
      )
      for (const [runId, bytes] of sizes) {
        const { rows } = await client.query<{ log_bytes: number }>(
          'UPDATE jobdeck.runs SET log_bytes = log_bytes + $2 WHERE id = $1 RETURNING log_bytes',
          [runId, bytes],
        )
        const total = rows[0]?.log_bytes ?? 0
        const limit = limitFor(runId)
        if (total > limit) await trimLog(client, runId, total - limit)
      }
    })
  }

  async logs(runId: string, afterId: number, limit: number): Promise<Array<{ id: number; run_id: string; stream: string; at: number; text: string }>> {
    const { rows } = await this.conn.query<{ id: number; run_id: string; stream: string; at: number; text: string }>(
      'SELECT * FROM jobdeck.run_logs WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3',
      [runId, afterId, limit],
    )
    return rows
  }

  /** Of these runs, those whose job the operator asked to cancel (from any instance). */
  async cancelRequests(runIds: readonly string[]): Promise<string[]> {
    if (runIds.length === 0) return []
    const { rows } = await this.conn.query<{ id: string }>(
      `SELECT last_run_id AS id FROM jobdeck.jobs WHERE last_run_id = ANY ($1) AND cancel_requested = 1 AND status = 'running'`,
      [runIds],
    )
    return rows.map((r) => r.id)
  }

  private async lockJob(client: pg.PoolClient, id: string): Promise<JobRow> {
    const { rows } = await client.query<JobRow>(
      `SELECT * FROM jobdeck.jobs WHERE id = $1 OR id = (SELECT job_id FROM jobdeck.runs WHERE id = $1) LIMIT 1 FOR UPDATE`,
      [id],
    )
    const row = rows[0]
    if (!row) throw new JobdeckError('not_found', `no job or run with id ${id}`)
    return jobRow(row)
  }

  async cancel(id: string, now: number): Promise<{ job: JobRow; action: 'canceled' | 'requested' }> {
    return this.conn.transaction(async (client) => {
      const job = await this.lockJob(client, id)
      if (job.status === 'queued' || job.status === 'retrying') {
        const { rows } = await client.query<JobRow>(
          `UPDATE jobdeck.jobs SET status = 'canceled', finished_at = $2, error = 'canceled by operator before it ran',
            cancel_requested = 0, tx = pg_current_xact_id() WHERE id = $1 RETURNING *`,
          [job.id, now],
        )
        return { job: jobRow(rows[0]), action: 'canceled' as const }
      }
      if (job.status === 'running') {
        const { rows } = await client.query<JobRow>(
          `UPDATE jobdeck.jobs SET cancel_requested = 1, tx = pg_current_xact_id() WHERE id = $1 RETURNING *`,
          [job.id],
        )
        await client.query(`SELECT pg_notify('jobdeck', 'cancel')`)
        return { job: jobRow(rows[0]), action: 'requested' as const }
      }
      throw new JobdeckError('conflict', `job ${job.id} is already ${job.status}; there is nothing to cancel`)
    })
  }

  /** Undoes a cancel made while the job waited (as SqliteStore.restore). */
  async restore(id: string): Promise<JobRow> {
    return this.conn.transaction(async (client) => {
      const job = await this.lockJob(client, id)
      const { rows: last } = await client.query<{ finished_at: string | null }>(`SELECT finished_at FROM jobdeck.runs WHERE id = $1`, [job.last_run_id])
      const lastFinished = last[0]?.finished_at ?? null
      const canceledWaiting =
        job.status === 'canceled' && (last.length === 0 || (lastFinished !== null && Number(lastFinished) < (job.finished_at ?? 0)))
      if (!canceledWaiting) {
        throw new JobdeckError('conflict', `job ${job.id} is ${job.status}${job.status === 'canceled' ? ' while it ran' : ''}; only a job canceled while it waited can be put back (retry it to run it again)`)
      }
      const { rows } = await client.query<JobRow>(
        `UPDATE jobdeck.jobs SET status = CASE WHEN run_after IS NULL THEN 'queued' ELSE 'retrying' END, finished_at = NULL,
          error = CASE WHEN run_after IS NULL THEN NULL ELSE (SELECT error FROM jobdeck.runs WHERE runs.id = jobs.last_run_id) END,
          cancel_requested = 0, tx = pg_current_xact_id() WHERE id = $1 RETURNING *`,
        [job.id],
      )
      await client.query(`SELECT pg_notify('jobdeck', 'jobs')`)
      return jobRow(rows[0])
    })
  }

  async retry(id: string, now: number, ord: number): Promise<JobRow> {
    return this.conn.transaction(async (client) => {
      const job = await this.lockJob(client, id)
      if (!isTerminalJobStatus(job.status as JobStatus)) {
        throw new JobdeckError('conflict', `job ${job.id} is ${job.status}; only a finished job can be retried`)
      }
      const { rows } = await client.query<JobRow>(
        `UPDATE jobdeck.jobs SET status = 'queued', failures = 0, interruptions = 0, finished_at = NULL, run_after = NULL,
          error = NULL, cancel_requested = 0, queued_at = $2, ord = $3, tx = pg_current_xact_id() WHERE id = $1 RETURNING *`,
        [job.id, now, ord],
      )
      await client.query(`SELECT pg_notify('jobdeck', 'jobs')`)
      return jobRow(rows[0])
    })
  }

  /** "Start now" (see SqliteStore.startNow); runners are woken to claim it. */
  async startNow(id: string): Promise<JobRow> {
    return this.conn.transaction(async (client) => {
      const job = await this.lockJob(client, id)
      refuseStartNow({ id: job.id, status: job.status as JobStatus })
      const { rows } = await client.query<JobRow>(
        `UPDATE jobdeck.jobs SET start_now = 1, tx = pg_current_xact_id() WHERE id = $1 RETURNING *`,
        [job.id],
      )
      await client.query(`SELECT pg_notify('jobdeck', 'jobs')`)
      return jobRow(rows[0])
    })
  }

  async setPriority(id: string, priority: Priority): Promise<JobRow> {
    return this.conn.transaction(async (client) => {
      const job = await this.lockJob(client, id)
      if (job.status !== 'queued' && job.status !== 'retrying') {
        throw new JobdeckError('conflict', `job ${job.id} is ${job.status}; only a waiting job can change priority`)
      }
      const { rows } = await client.query<JobRow>(
        `UPDATE jobdeck.jobs SET priority = $2, tx = pg_current_xact_id() WHERE id = $1 RETURNING *`,
        [job.id, PRIORITY_RANK[priority]],
      )
      return jobRow(rows[0])
    })
  }

  /** Deletes finished jobs (runs and logs go with them) and records the clear for every cache. */
  async clear(before: number, now: number): Promise<number> {
    let total = 0
    for (;;) {
      const { rowCount } = await this.conn.query(
        `DELETE FROM jobdeck.jobs WHERE id IN (SELECT id FROM jobdeck.jobs
          WHERE finished_at IS NOT NULL AND finished_at < $1 AND status = ANY ($2) LIMIT 1000)`,
        [before, TERMINAL_JOB_STATUSES],
      )
      total += rowCount ?? 0
      if ((rowCount ?? 0) < 1000) break
    }
    await this.conn.query(`INSERT INTO jobdeck.clears (before, at) VALUES ($1, $2)`, [before, now])
    await this.conn.query(`SELECT pg_notify('jobdeck', 'jobs')`)
    return total
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.conn.query(
      `WITH set AS (UPDATE jobdeck.meta SET value = $1 WHERE key = 'paused') SELECT pg_notify('jobdeck', 'paused')`,
      [paused ? '1' : '0'],
    )
  }

  async isPaused(): Promise<boolean> {
    const { rows } = await this.conn.query<{ value: string }>(`SELECT value FROM jobdeck.meta WHERE key = 'paused'`)
    return rows[0]?.value === '1'
  }

  async counts(): Promise<StatusCounts> {
    const { rows } = await this.conn.query<{ status: JobStatus; n: number }>(
      'SELECT status, sum(n)::int8 AS n FROM jobdeck.job_counts GROUP BY status',
    )
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as StatusCounts
    for (const row of rows) if (row.status in counts) counts[row.status] = row.n
    return counts
  }

  async getJob(id: string): Promise<Job> {
    const { rows } = await this.conn.query<JobRow>('SELECT * FROM jobdeck.jobs WHERE id = $1', [id])
    if (!rows[0]) throw new JobdeckError('not_found', `no job with id ${id}`)
    return toJob(jobRow(rows[0]))
  }
}

async function trimLog(client: pg.PoolClient, runId: string, excess: number): Promise<void> {
  await client.query(
    `WITH sized AS (
      SELECT id, sum(octet_length(text) + 1) OVER (ORDER BY id) AS upto FROM jobdeck.run_logs WHERE run_id = $1
    ), cut AS (
      SELECT coalesce(min(id) FILTER (WHERE upto >= $2), max(id)) AS last_id, coalesce(min(upto) FILTER (WHERE upto >= $2), max(upto)) AS bytes FROM sized
    ), dropped AS (
      DELETE FROM jobdeck.run_logs WHERE run_id = $1 AND id <= (SELECT last_id FROM cut)
    )
    UPDATE jobdeck.runs SET log_bytes = log_bytes - (SELECT bytes FROM cut), log_truncated = 1 WHERE id = $1`,
    [runId, excess],
  )
}

/** claim()'s arguments after the runner id and the time. */
function claimArgs(input: PgClaimInput): unknown[] {
  return [
    input.max,
    input.allowedTypes,
    JSON.stringify(input.lanes.exact),
    JSON.stringify(input.lanes.patterns.map(([glob, limit]) => [likePattern(glob), limit])),
    input.leaseMs,
    input.runIds,
  ]
}

/** The rates as claim() reads them: `[limit, windowMs]` per exact lane, `[LIKE pattern, [limit, windowMs]]` in order. */
function ratesArg(input: PgClaimInput): string | null {
  if (!input.rates) return null
  const pair = (rate: LaneRate): [number, number] => [rate.limit, rate.windowMs]
  return JSON.stringify({
    exact: Object.fromEntries(Object.entries(input.rates.exact).map(([lane, rate]) => [lane, pair(rate)])),
    patterns: input.rates.patterns.map(([glob, rate]) => [likePattern(glob), pair(rate)]),
  })
}

/** A job as the shared queue inserts it; `index` orders jobs enqueued in the same millisecond. */
export function pgNewJob(job: NewJob, now: number, index: number): PgNewJob {
  return {
    id: job.id,
    type: job.type,
    params: JSON.stringify(job.params),
    priority: job.priority,
    lane: job.lane,
    ord: now * 1000 + (index % 1000),
    createdAt: now,
  }
}
