import type { Job, Priority, Progress, Run, RunStatus, TimelineBucket, TimelineExtent, TimelinePage, TypeStats } from '../../../../src-shared/domain'
import { JOB_STATUSES, PRIORITY_RANK } from '../../../../src-shared/domain'
import { JobdeckError } from '../../../../src-shared/errors'
import { newId } from '../../ids'
import type {
  ClaimInput,
  ClaimedRun,
  ClaimedWork,
  InterruptPolicy,
  InterruptedRun,
  LogAppend,
  LogLine,
  NewJob,
  RunCompletion,
  RunFilter,
  RunnerLockInfo,
  StatusCounts,
  TimelineQuery,
} from '../store-types'
import type { SqliteDatabase } from './open-database'
import { WalSync } from './wal-sync'
import { parseStoredParams, toJob, toLogLine, toRun, type JobRow, type LogRow, type RunRow } from './rows'
import { ftsQuery, RunSearch } from './run-search'
import type { ListedRun, RunCount } from '../../../../src-shared/search'

const TERMINAL_SQL = `('succeeded','partial','failed','canceled')`

/**
 * The queue and history in one SQLite file. Every state transition is one transaction that
 * bumps the change sequence, so other processes (and the event watcher) see each change once.
 */
export class SqliteStore {
  private readonly stmt: ReturnType<typeof prepareStatements>
  private readonly search: RunSearch
  private ordCounter = 0

  private readonly walSync: WalSync
  private readonly fullSync: boolean

  constructor(readonly db: SqliteDatabase) {
    this.stmt = prepareStatements(db)
    this.search = new RunSearch(db)
    this.fullSync = (db.pragma('synchronous', { simple: true }) as number) >= 2
    this.walSync = new WalSync(`${db.name}-wal`)
  }

  /** A write transaction taken with the write lock up front (no upgrade deadlocks between processes). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  /**
   * For bookkeeping that need not survive power loss (pids, progress, log lines): still safe
   * against a process crash, and made durable by the next FULL commit, which syncs the whole WAL.
   */
  relaxedTx<T>(fn: () => T): T {
    // Inside a caller's transaction the caller's commit decides durability.
    if (!this.fullSync || this.db.inTransaction) return this.tx(fn)
    this.stmt.syncNormal.run()
    try {
      return this.tx(fn)
    } finally {
      this.stmt.syncFull.run()
    }
  }

  private nextSeq(): number {
    return (this.stmt.bumpSeq.get() as { value: number }).value
  }

  currentSeq(): number {
    return Number((this.stmt.getMeta.get('seq') as { value: string }).value)
  }

  /** Changes when another connection commits; cheap enough to poll many times a second. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number
  }

  // ── enqueue ──────────────────────────────────────────────────────────────────────────────

  private nextOrd(now: number): number {
    this.ordCounter = (this.ordCounter + 1) % 1000
    return now * 1000 + this.ordCounter
  }

  enqueue(jobs: readonly NewJob[], now: number): Job[] {
    return this.tx(() => {
      const seq = this.nextSeq()
      const out: Job[] = []
      for (const job of jobs) {
        if (this.stmt.getJob.get(job.id)) {
          throw new JobdeckError('conflict', `a job with id ${job.id} already exists`)
        }
        this.stmt.insertJob.run({
          id: job.id,
          type: job.type,
          params: JSON.stringify(job.params),
          priority: PRIORITY_RANK[job.priority],
          lane: job.lane,
          ord: this.nextOrd(now),
          now,
          seq,
        })
        out.push(toJob(this.stmt.getJob.get(job.id) as JobRow))
      }
      return out
    })
  }

  // ── claim and finish ─────────────────────────────────────────────────────────────────────

  /**
   * Claims as many eligible jobs as the global and lane limits allow, highest priority then
   * oldest. The caller starts the work only after this returns, i.e. after the commit: a run
   * whose process exists is always recorded, so a restarted runner finds and stops it (a run
   * started before its claim committed ran unrecorded beside its own re-run after a kill -9).
   */
  claim(input: ClaimInput): ClaimedWork[] {
    return this.tx(() => this.claimInTx(input))
  }

  private claimInTx(input: ClaimInput): ClaimedWork[] {
    const running = this.stmt.runningByLane.all() as Array<{ lane: string; n: number }>
    const perLane = new Map(running.map((r) => [r.lane, r.n]))
    let total = running.reduce((sum, r) => sum + r.n, 0)
    const picked: Array<{ row: JobRow; claimed: ClaimedWork }> = []
    while (total < input.concurrency) {
      const full = [...perLane].filter(([lane, n]) => n >= input.laneLimit(lane)).map(([lane]) => lane)
      if (input.blockedLanes) full.push(...input.blockedLanes)
      const row = this.stmt.nextEligible.get(
        input.now,
        JSON.stringify(full),
        JSON.stringify(input.allowedTypes),
        JSON.stringify(picked.map((p) => p.row.id)),
      ) as JobRow | undefined
      if (!row) break
      picked.push({ row, claimed: claimedFrom(row, newId(input.now), input) })
      perLane.set(row.lane, (perLane.get(row.lane) ?? 0) + 1)
      total++
    }
    if (picked.length === 0) return []
    const seq = this.nextSeq()
    for (const { row, claimed } of picked) {
      this.stmt.insertRun.run({
        id: claimed.run.id,
        jobId: row.id,
        type: row.type,
        lane: row.lane,
        params: row.params,
        attempt: claimed.run.attempt,
        queuedAt: row.queued_at,
        startedAt: input.now,
        runnerId: input.runnerId,
        seq,
      })
      this.stmt.markJobRunning.run({ id: row.id, runId: claimed.run.id, seq })
    }
    return picked.map((p) => p.claimed)
  }

  setRunPid(runId: string, pid: number | null, pidStart: string | null): void {
    this.relaxedTx(() => this.stmt.setRunPid.run({ runId, pid, pidStart, seq: this.nextSeq() }))
  }

  saveProgress(runId: string, progress: Progress, itemsOk: number | null, itemsFailed: number | null): void {
    this.relaxedTx(() =>
      this.stmt.saveProgress.run({
        runId,
        percent: progress.percent,
        current: progress.current,
        total: progress.total,
        message: progress.message,
        itemsOk,
        itemsFailed,
      }),
    )
  }

  /** Records a run's result and its job's next state; returns null if the run is not ours to finish. */
  finish(completion: RunCompletion): ClaimedRun | null {
    return this.tx(() => {
      if (!this.finishInTx(completion)) return null
      const run = this.getRun(completion.runId)
      return { run, job: this.getJob(run.jobId) }
    })
  }

  /**
   * Records a result and claims the next runs in one commit. The commit is crash-safe at once
   * (a killed process loses nothing it returned); `durable` resolves when it also survives power
   * loss (see WalSync), and only then may the result be reported. The next runs may start
   * before that (a power cut stops them too; they were never durably claimed and run again),
   * except the work of a type that must not run twice, which waits for `durable`.
   */
  finishAndClaim(completion: RunCompletion, next: ClaimInput | null): { finished: boolean; claimed: ClaimedWork[]; durable: Promise<void> } {
    const fullSync = this.fullSync
    const { finished, claimed } = (fullSync ? this.relaxedTx.bind(this) : this.tx.bind(this))(() => {
      const finished = this.finishInTx(completion)
      const claimed = next ? this.claimInTx(next) : []
      return { finished, claimed }
    })
    const durable = fullSync ? this.walSync.sync().catch(() => this.forceSync()) : Promise.resolve()
    return { finished, claimed, durable }
  }

  /** Fallback when the WAL cannot be flushed directly: a FULL checkpoint syncs it. */
  private forceSync(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)')
  }

  close(): void {
    this.walSync.close()
    this.search.close()
  }

  /**
   * Fencing: only a run still `running` and owned by this runner is finished, once. Inside the
   * caller's `tx`.
   */
  finishInTx(c: RunCompletion): boolean {
    const seq = this.nextSeq()
    const owned = this.stmt.finishRun.get({
      runId: c.runId,
      runnerId: c.runnerId,
      status: c.outcome,
      now: c.now,
      exitCode: c.exitCode,
      signal: c.signal,
      error: c.error,
      percent: c.outcome === 'succeeded' ? 100 : c.progress.percent,
      current: c.progress.current,
      total: c.progress.total,
      message: c.progress.message,
      itemsOk: c.itemsOk,
      itemsFailed: c.itemsFailed,
      peakRss: c.peakRssBytes ?? null,
      cpuSeconds: c.cpuSeconds ?? null,
      processesStopped: c.processesStopped ?? 0,
      startedAt: c.startedAt ?? null,
      seq,
    }) as { job_id: string } | undefined
    if (!owned) return false
    const jobId = owned.job_id
    if (c.outcome === 'failed') {
      const failures = (this.stmt.jobFailures.get(jobId) as { failures: number }).failures + 1
      const delay = c.retryDelay(failures)
      if (delay !== null) {
        this.stmt.jobRetrying.run({ id: jobId, failures, runAfter: c.now + delay, error: c.error, seq })
      } else {
        this.stmt.jobFinished.run({ id: jobId, status: 'failed', now: c.now, error: c.error, failures, seq })
      }
    } else {
      const error = c.outcome === 'canceled' ? (c.error ?? 'canceled by operator') : c.outcome === 'partial' ? c.error : null
      this.stmt.jobDone.run({ id: jobId, status: c.outcome, now: c.now, error, seq })
    }
    return true
  }

  /**
   * Runs left `running` by a runner that died: the machine failed, not the job. Each becomes
   * `interrupted` and its job goes back to the queue, keeping its place, unless its type must
   * not run twice or it was interrupted too often.
   */
  recoverInterrupted(policy: InterruptPolicy, now: number, describe: (run: Run) => string): InterruptedRun[] {
    return this.tx(() => {
      const rows = this.stmt.runningRuns.all() as RunRow[]
      if (rows.length === 0) return []
      const seq = this.nextSeq()
      return rows.map((row) => {
        const run = toRun(row)
        this.stmt.interruptRun.run({ runId: row.id, now, error: describe(run), seq })
        const jobRow = this.stmt.getJob.get(row.job_id) as JobRow
        const interruptions = jobRow.interruptions + 1
        if (policy.onInterrupt(row.type) === 'fail') {
          this.stmt.jobInterruptedFail.run({
            id: jobRow.id,
            now,
            interruptions,
            error: 'interrupted, and its type says onInterrupt: fail (it must not run twice); retry it by hand if that is safe',
            seq,
          })
        } else if (interruptions > policy.interruptLimit) {
          this.stmt.jobInterruptedFail.run({
            id: jobRow.id,
            now,
            interruptions,
            error: `interrupted ${interruptions} times (limit ${policy.interruptLimit}); not re-queued again`,
            seq,
          })
        } else {
          this.stmt.jobRequeued.run({ id: jobRow.id, now, interruptions, seq })
        }
        return {
          run: toRun(this.stmt.getRun.get(row.id) as RunRow),
          job: toJob(this.stmt.getJob.get(jobRow.id) as JobRow),
        }
      })
    })
  }

  // ── operator controls ────────────────────────────────────────────────────────────────────

  /** Resolves a job id, or a run id to its job. */
  resolveJob(id: string): Job {
    const row =
      (this.stmt.getJob.get(id) as JobRow | undefined) ??
      (this.stmt.getJobOfRun.get(id) as JobRow | undefined)
    if (!row) throw new JobdeckError('not_found', `no job or run with id ${id}`)
    return toJob(row)
  }

  /** Cancels a waiting job at once; for a running one, records the request for its runner. */
  cancel(id: string, now: number): { job: Job; action: 'canceled' | 'requested' } {
    return this.tx(() => {
      const job = this.resolveJob(id)
      if (job.status === 'queued' || job.status === 'retrying') {
        this.stmt.jobCanceledWaiting.run({ id: job.id, now, seq: this.nextSeq() })
        return { job: this.getJob(job.id), action: 'canceled' as const }
      }
      if (job.status === 'running') {
        this.stmt.requestCancel.run({ id: job.id, seq: this.nextSeq() })
        return { job: this.getJob(job.id), action: 'requested' as const }
      }
      throw new JobdeckError('conflict', `job ${job.id} is already ${job.status}; there is nothing to cancel`)
    })
  }

  /**
   * Undoes a cancel made while the job waited: it waits again as it was (priority, place in the
   * run order, retry time and budget). The cancel kept all of that; only a job canceled while it
   * ran (its last run ended at the same instant) has nothing to go back to: retry it instead.
   */
  restore(id: string): Job {
    return this.tx(() => {
      const job = this.resolveJob(id)
      const lastRun = job.lastRunId ? this.findRun(job.lastRunId) : null
      const canceledWaiting = job.status === 'canceled' && (lastRun === null || (lastRun.finishedAt !== null && lastRun.finishedAt < (job.finishedAt ?? '')))
      if (!canceledWaiting) {
        throw new JobdeckError('conflict', `job ${job.id} is ${job.status}${job.status === 'canceled' ? ' while it ran' : ''}; only a job canceled while it waited can be put back (retry it to run it again)`)
      }
      this.stmt.jobRestored.run({ id: job.id, seq: this.nextSeq() })
      return this.getJob(job.id)
    })
  }

  /** A terminal job goes back to the queue for a new run, with a fresh retry budget. */
  retry(id: string, now: number): Job {
    return this.tx(() => {
      const job = this.resolveJob(id)
      if (!['succeeded', 'partial', 'failed', 'canceled'].includes(job.status)) {
        throw new JobdeckError('conflict', `job ${job.id} is ${job.status}; only a finished job can be retried`)
      }
      this.stmt.jobRetried.run({ id: job.id, now, ord: this.nextOrd(now), seq: this.nextSeq() })
      return this.getJob(job.id)
    })
  }

  setPriority(id: string, priority: Priority): Job {
    return this.tx(() => {
      const job = this.resolveJob(id)
      if (job.status !== 'queued' && job.status !== 'retrying') {
        throw new JobdeckError('conflict', `job ${job.id} is ${job.status}; only a waiting job can change priority`)
      }
      this.stmt.setPriority.run({ id: job.id, priority: PRIORITY_RANK[priority], seq: this.nextSeq() })
      return this.getJob(job.id)
    })
  }

  /** Deletes finished jobs (with their runs and logs) that finished before `before`. */
  clearFinished(before: number): number {
    let total = 0
    for (;;) {
      // Chunks keep each write transaction short, so a runner is never blocked for long.
      const removed = this.tx(() => this.stmt.clearChunk.run(before).changes)
      total += removed
      if (removed < 500) return total
    }
  }

  setPaused(paused: boolean): void {
    this.tx(() => {
      this.stmt.setMeta.run('paused', paused ? '1' : '0')
      this.nextSeq()
    })
  }

  /** A value of the meta table (shared mode keeps its sync state there). */
  metaValue(key: string): string | null {
    return (this.stmt.getMeta.get(key) as { value: string } | undefined)?.value ?? null
  }

  isPaused(): boolean {
    return (this.stmt.getMeta.get('paused') as { value: string } | undefined)?.value === '1'
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────────

  getJob(id: string): Job {
    const row = this.stmt.getJob.get(id) as JobRow | undefined
    if (!row) throw new JobdeckError('not_found', `no job with id ${id}`)
    return toJob(row)
  }

  getRun(id: string): Run {
    const row = this.stmt.getRun.get(id) as RunRow | undefined
    if (!row) throw new JobdeckError('not_found', `no run with id ${id}`)
    return toRun(row)
  }

  findRun(id: string): Run | null {
    const row = this.stmt.getRun.get(id) as RunRow | undefined
    return row ? toRun(row) : null
  }

  runsOfJob(jobId: string): Run[] {
    return (this.stmt.runsOfJob.all(jobId) as RunRow[]).map(toRun)
  }

  /** Waiting jobs in the order the runner would take them (ignoring lane limits). */
  listWaiting(limit: number): Job[] {
    return (this.stmt.waiting.all(limit) as JobRow[]).map(toJob)
  }

  listRunning(): ClaimedRun[] {
    return (this.stmt.runningRuns.all() as RunRow[]).map((row) => ({
      run: toRun(row),
      job: toJob(this.stmt.getJob.get(row.job_id) as JobRow),
    }))
  }

  counts(): StatusCounts {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as StatusCounts
    for (const row of this.stmt.counts.all() as Array<{ status: keyof StatusCounts; n: number }>) {
      counts[row.status] = row.n
    }
    return counts
  }

  /** Is anything queued, retrying or running? (Index lookups only.) */
  hasPendingWork(): boolean {
    return (this.stmt.hasPending.get() as { pending: number }).pending === 1
  }

  /** Runs newest first by (startedAt, id); with a search, each says where it matched. */
  listRuns(filter: RunFilter): ListedRun[] {
    const search = filter.search?.trim()
    if (search && ftsQuery(search)) {
      return this.search.list({ ...filter, search }).map(({ run, match }) => ({ ...run, match }))
    }
    const { sql, args } = runListQuery(filter)
    return (this.db.prepare(sql).all(args) as RunRow[]).map(toRun)
  }

  /**
   * How many runs match: from the maintained counters when the filter is only a type and/or a
   * status (the total of a million runs costs a lookup), else counted up to `upTo`.
   */
  countRuns(filter: Omit<RunFilter, 'limit' | 'before'>, upTo: number): RunCount {
    const search = filter.search?.trim()
    if (search && ftsQuery(search)) return this.search.count({ ...filter, search }, upTo)
    if (filter.since === undefined && filter.until === undefined && filter.jobId === undefined) {
      const running = filter.status === undefined || filter.status === 'running'
        ? (this.stmt.runningCount.get({ type: filter.type ?? null }) as { n: number }).n
        : 0
      const column = filter.status === undefined ? 'runs' : filter.status === 'running' ? null : filter.status
      const finished = column === null ? 0 : (this.db
        .prepare(`SELECT coalesce(sum(${column}), 0) AS n FROM type_stats WHERE @type IS NULL OR type = @type`)
        .get({ type: filter.type ?? null }) as { n: number }).n
      return { count: finished + running, capped: false }
    }
    const { sql, args } = runListQuery({ ...filter, search: undefined, limit: upTo + 1 })
    const n = (this.db.prepare(`SELECT count(*) AS n FROM (${sql.replace('SELECT * FROM runs', 'SELECT 1 FROM runs')})`).get(args) as { n: number }).n
    return n > upTo ? { count: upTo, capped: true } : { count: n, capped: false }
  }

  typeStats(): TypeStats[] {
    const rows = this.stmt.typeStats.all() as Array<{
      type: string
      runs: number
      succeeded: number
      partial: number
      failed: number
      canceled: number
      interrupted: number
      duration_sum: number
      last_run_id: string | null
      last_status: RunStatus | null
      last_finished_at: number | null
    }>
    return rows.map((r) => {
      const recent = (this.stmt.recentFinished.all(r.type) as Array<{ ms: number }>).map((x) => x.ms)
      const sorted = [...recent].sort((a, b) => a - b)
      const judged = r.succeeded + r.partial + r.failed
      return {
        type: r.type,
        runs: r.runs,
        succeeded: r.succeeded,
        partial: r.partial,
        failed: r.failed,
        canceled: r.canceled,
        interrupted: r.interrupted,
        successRate: judged > 0 ? r.succeeded / judged : null,
        avgDurationMs: r.runs > 0 ? r.duration_sum / r.runs : null,
        p95DurationMs: sorted.length ? (sorted[Math.ceil(sorted.length * 0.95) - 1] ?? null) : null,
        lastRunId: r.last_run_id,
        lastStatus: r.last_status,
        lastFinishedAt: r.last_finished_at === null ? null : new Date(r.last_finished_at).toISOString(),
        trend: recent.slice(0, 30).reverse(),
      }
    })
  }

  /**
   * Runs overlapping [since, until), one row per type or lane. Runs at least a bucket long are
   * listed (longest first, up to `maxItems`); shorter ones, which would be under a pixel wide,
   * are counted per bucket, so a range of 100k runs still draws as a few thousand shapes.
   */
  timeline(q: TimelineQuery): TimelinePage {
    const maxDuration = (this.stmt.maxDuration.get() as { ms: number | null }).ms ?? 0
    const args = { since: q.since, until: q.until, lower: q.since - maxDuration - 1, now: q.now, bucket: Math.max(1, Math.floor(q.bucketMs)) }
    const key = q.groupBy === 'lane' ? 'lane' : 'type'
    const total = (this.stmt.timelineCount.get(args) as { n: number }).n
    const all = total <= q.maxItems
    let rows = ((all ? this.stmt.timelineAll : this.stmt.timelineLong).all({ ...args, limit: q.maxItems }) as TimelineRow[])
    // Runs not listed (under a pixel, or beyond maxItems) are counted per bucket instead.
    let countBelow = args.bucket
    if (!all && rows.length === q.maxItems) {
      const shortestListed = durationOf(rows[rows.length - 1] as TimelineRow, q.now)
      countBelow = shortestListed + 1
      rows = rows.filter((r) => durationOf(r, q.now) >= countBelow)
    }
    const items = rows.map((r) => ({
      id: r.id,
      jobId: r.job_id,
      type: r.type,
      lane: r.lane,
      status: r.status,
      attempt: r.attempt,
      queuedAt: r.queued_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }))
    const bucketRows = all
      ? []
      : (this.db
          .prepare(
            `SELECT ${key} AS row, CAST(started_at / @bucket AS INTEGER) AS b, status, count(*) AS n FROM runs INDEXED BY runs_timeline
             WHERE started_at >= @lower AND started_at < @until AND coalesce(finished_at, @now) > @since
               AND coalesce(finished_at, @now) - started_at < @countBelow
             GROUP BY 1, 2, 3`,
          )
          .all({ ...args, countBelow }) as Array<{ row: string; b: number; status: RunStatus; n: number }>)
    const buckets = new Map<string, TimelineBucket>()
    for (const r of bucketRows) {
      const id = `${r.row}\u0000${r.b}`
      let bucket = buckets.get(id)
      if (!bucket) {
        bucket = { row: r.row, start: r.b * args.bucket, end: (r.b + 1) * args.bucket, count: 0, byStatus: {} }
        buckets.set(id, bucket)
      }
      bucket.count += r.n
      bucket.byStatus[r.status] = (bucket.byStatus[r.status] ?? 0) + r.n
    }
    const rowNames = [...new Set([...items.map((i) => (key === 'lane' ? i.lane : i.type)), ...bucketRows.map((b) => b.row)])].sort()
    return { since: q.since, until: q.until, groupBy: q.groupBy, rows: rowNames, items, buckets: [...buckets.values()], total }
  }

  /** The first start at or after `since` and the latest start of all, each one seek in runs_started. */
  timelineExtent(since: number): TimelineExtent {
    const first = (this.stmt.firstStartSince.get(since) as { at: number | null }).at
    const last = (this.stmt.lastStart.get() as { at: number | null }).at
    return { first, last }
  }

  logs(runId: string, afterId = 0, limit = 100_000): Array<LogLine & { id: number }> {
    return (this.stmt.logs.all(runId, afterId, limit) as LogRow[]).map((row) => ({ ...toLogLine(row), id: row.id }))
  }

  /** The last `n` stored lines of a run, oldest first, and how many stored lines precede them. */
  logTail(runId: string, n: number): { lines: Array<LogLine & { id: number }>; earlier: number } {
    const rows = (this.stmt.logTail.all(runId, n) as LogRow[]).reverse()
    const first = rows[0]
    const earlier = first ? (this.stmt.logCountBefore.get(runId, first.id) as { n: number }).n : 0
    return { lines: rows.map((row) => ({ ...toLogLine(row), id: row.id })), earlier }
  }

  /**
   * Appends output lines, keeping at most `limitFor(runId)` bytes per run: the newest are kept
   * because the end of a log says why a run failed.
   */
  appendLogs(lines: readonly LogAppend[], limitFor: (runId: string) => number): void {
    if (lines.length === 0) return
    this.relaxedTx(() => {
      const added = new Map<string, number>()
      for (const line of lines) {
        this.stmt.insertLog.run(line.runId, line.stream, line.at, line.text)
        added.set(line.runId, (added.get(line.runId) ?? 0) + Buffer.byteLength(line.text) + 1)
      }
      for (const [runId, bytes] of added) {
        const row = this.stmt.addLogBytes.get(bytes, runId) as { log_bytes: number } | undefined
        if (!row) continue
        const limit = limitFor(runId)
        if (row.log_bytes > limit) this.trimLog(runId, row.log_bytes - limit)
      }
    })
  }

  private trimLog(runId: string, excess: number): void {
    let dropped = 0
    let lastId = 0
    for (const row of this.stmt.logSizes.iterate(runId) as Iterable<{ id: number; size: number }>) {
      dropped += row.size
      lastId = row.id
      if (dropped >= excess) break
    }
    this.stmt.dropLogs.run(runId, lastId)
    this.stmt.markLogTrimmed.run(dropped, runId)
  }

  /** Rows changed after `seq`, for the event watcher. */
  changesSince(seq: number): { jobs: Job[]; runs: Run[]; seq: number } {
    // One read transaction, so the rows and the sequence they reach belong to the same snapshot.
    return this.db.transaction(() => ({
      jobs: (this.stmt.jobsSince.all(seq) as JobRow[]).map(toJob),
      runs: (this.stmt.runsSince.all(seq) as RunRow[]).map(toRun),
      seq: this.currentSeq(),
    }))()
  }

  /** Running jobs of this runner whose cancel was requested (possibly by another process). */
  cancelRequests(): Array<{ jobId: string; runId: string }> {
    return this.stmt.cancelRequested.all() as Array<{ jobId: string; runId: string }>
  }

  /** When the earliest retrying job becomes eligible. */
  nextRunAfter(): number | null {
    return (this.stmt.nextRunAfter.get() as { at: number | null }).at
  }

  runPidInfo(runId: string): { pid: number | null; pidStart: string | null } {
    const row = this.stmt.getRun.get(runId) as RunRow | undefined
    return { pid: row?.pid ?? null, pidStart: row?.pid_start ?? null }
  }

  // ── runner lock ──────────────────────────────────────────────────────────────────────────

  lockInfo(): RunnerLockInfo | null {
    const row = this.stmt.getLock.get() as
      | { runner_id: string; pid: number; host: string; started_at: number; heartbeat_at: number }
      | undefined
    return row
      ? { runnerId: row.runner_id, pid: row.pid, host: row.host, startedAt: row.started_at, heartbeatAt: row.heartbeat_at }
      : null
  }

  /** Takes the runner lock unless `isHeld` says the current holder is alive. */
  acquireLock(me: RunnerLockInfo, isHeld: (holder: RunnerLockInfo) => boolean): { ok: true } | { ok: false; holder: RunnerLockInfo } {
    return this.tx(() => {
      const holder = this.lockInfo()
      if (holder && holder.runnerId !== me.runnerId && isHeld(holder)) return { ok: false as const, holder }
      this.stmt.putLock.run(me.runnerId, me.pid, me.host, me.startedAt, me.heartbeatAt)
      return { ok: true as const }
    })
  }

  heartbeat(runnerId: string, now: number): boolean {
    return this.relaxedTx(() => this.stmt.heartbeat.run(now, runnerId).changes === 1)
  }

  releaseLock(runnerId: string): void {
    this.tx(() => this.stmt.releaseLock.run(runnerId))
  }
}

function prepareStatements(db: SqliteDatabase) {
  return {
    bumpSeq: db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER) AS value`),
    getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`),
    setMeta: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    getJob: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
    getJobOfRun: db.prepare(`SELECT jobs.* FROM runs JOIN jobs ON jobs.id = runs.job_id WHERE runs.id = ?`),
    getRun: db.prepare(`SELECT * FROM runs WHERE id = ?`),
    insertJob: db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES (@id, @type, @params, @priority, @lane, 'queued', @ord, @now, @now, @seq)`),
    runningByLane: db.prepare(`SELECT lane, count(*) AS n FROM runs WHERE status = 'running' GROUP BY lane`),
    nextEligible: db.prepare(`SELECT * FROM jobs INDEXED BY jobs_ready
      WHERE status IN ('queued','retrying')
        AND (run_after IS NULL OR run_after <= ?)
        AND lane NOT IN (SELECT value FROM json_each(?))
        AND type IN (SELECT value FROM json_each(?))
        AND id NOT IN (SELECT value FROM json_each(?))
      ORDER BY priority DESC, ord LIMIT 1`),
    insertRun: db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq)
      VALUES (@id, @jobId, @type, @lane, @params, @attempt, 'running', @queuedAt, @startedAt, @runnerId, @seq)`),
    markJobRunning: db.prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1, last_run_id = @runId,
      run_after = NULL, error = NULL, seq = @seq WHERE id = @id`),
    setRunPid: db.prepare(`UPDATE runs SET pid = @pid, pid_start = @pidStart, seq = @seq WHERE id = @runId`),
    saveProgress: db.prepare(`UPDATE runs SET progress_percent = @percent, progress_current = @current,
      progress_total = @total, progress_message = @message, items_ok = @itemsOk, items_failed = @itemsFailed
      WHERE id = @runId AND status = 'running'`),
    finishRun: db.prepare(`UPDATE runs SET status = @status, finished_at = @now, exit_code = @exitCode, signal = @signal,
      error = @error, progress_percent = @percent, progress_current = @current, progress_total = @total,
      progress_message = @message, items_ok = @itemsOk, items_failed = @itemsFailed,
      peak_rss_bytes = @peakRss, cpu_seconds = @cpuSeconds, processes_stopped = @processesStopped, seq = @seq,
      -- When the work really started, if the runner knows it better than the claim (as PostgreSQL records it).
      started_at = coalesce(@startedAt, started_at)
      WHERE id = @runId AND status = 'running' AND runner_id = @runnerId RETURNING job_id`),
    jobRetrying: db.prepare(`UPDATE jobs SET status = 'retrying', failures = @failures, run_after = @runAfter,
      queued_at = @runAfter, error = @error, cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobFailures: db.prepare(`SELECT failures FROM jobs WHERE id = ?`),
    jobDone: db.prepare(`UPDATE jobs SET status = @status, finished_at = @now, error = @error,
      run_after = NULL, cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobFinished: db.prepare(`UPDATE jobs SET status = @status, finished_at = @now, error = @error, failures = @failures,
      run_after = NULL, cancel_requested = 0, seq = @seq WHERE id = @id`),
    runningRuns: db.prepare(`SELECT * FROM runs WHERE status = 'running' ORDER BY started_at`),
    interruptRun: db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = @now, error = @error, seq = @seq WHERE id = @runId`),
    jobInterruptedFail: db.prepare(`UPDATE jobs SET status = 'failed', finished_at = @now, interruptions = @interruptions,
      error = @error, cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobRequeued: db.prepare(`UPDATE jobs SET status = 'queued', queued_at = @now, interruptions = @interruptions,
      cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobCanceledWaiting: db.prepare(`UPDATE jobs SET status = 'canceled', finished_at = @now, error = 'canceled by operator before it ran',
      cancel_requested = 0, seq = @seq WHERE id = @id`),
    jobRestored: db.prepare(`UPDATE jobs SET status = CASE WHEN run_after IS NULL THEN 'queued' ELSE 'retrying' END, finished_at = NULL,
      error = CASE WHEN run_after IS NULL THEN NULL ELSE (SELECT error FROM runs WHERE runs.id = jobs.last_run_id) END,
      cancel_requested = 0, seq = @seq WHERE id = @id`),
    requestCancel: db.prepare(`UPDATE jobs SET cancel_requested = 1, seq = @seq WHERE id = @id`),
    jobRetried: db.prepare(`UPDATE jobs SET status = 'queued', failures = 0, interruptions = 0, finished_at = NULL,
      run_after = NULL, error = NULL, cancel_requested = 0, queued_at = @now, ord = @ord, seq = @seq WHERE id = @id`),
    setPriority: db.prepare(`UPDATE jobs SET priority = @priority, seq = @seq WHERE id = @id`),
    clearChunk: db.prepare(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_finished
      WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ${TERMINAL_SQL} LIMIT 500)`),
    runsOfJob: db.prepare(`SELECT * FROM runs WHERE job_id = ? ORDER BY attempt`),
    waiting: db.prepare(`SELECT * FROM jobs INDEXED BY jobs_ready WHERE status IN ('queued','retrying')
      ORDER BY priority DESC, ord LIMIT ?`),
    counts: db.prepare(`SELECT status, sum(n) AS n FROM job_counts GROUP BY status`),
    hasPending: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_ready WHERE status IN ('queued','retrying'))
      OR EXISTS (SELECT 1 FROM runs INDEXED BY runs_running WHERE status = 'running') AS pending`),
    logs: db.prepare(`SELECT * FROM run_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`),
    logTail: db.prepare(`SELECT * FROM run_logs WHERE run_id = ? ORDER BY id DESC LIMIT ?`),
    logCountBefore: db.prepare(`SELECT count(*) AS n FROM run_logs WHERE run_id = ? AND id < ?`),
    insertLog: db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, ?, ?, ?)`),
    addLogBytes: db.prepare(`UPDATE runs SET log_bytes = log_bytes + ? WHERE id = ? RETURNING log_bytes`),
    logSizes: db.prepare(`SELECT id, length(CAST(text AS BLOB)) + 1 AS size FROM run_logs WHERE run_id = ? ORDER BY id`),
    dropLogs: db.prepare(`DELETE FROM run_logs WHERE run_id = ? AND id <= ?`),
    markLogTrimmed: db.prepare(`UPDATE runs SET log_bytes = log_bytes - ?, log_truncated = 1 WHERE id = ?`),
    jobsSince: db.prepare(`SELECT * FROM jobs WHERE seq > ? ORDER BY seq`),
    runsSince: db.prepare(`SELECT * FROM runs WHERE seq > ? ORDER BY seq`),
    cancelRequested: db.prepare(`SELECT jobs.id AS jobId, jobs.last_run_id AS runId FROM jobs INDEXED BY jobs_cancel
      WHERE cancel_requested = 1 AND status = 'running'`),
    nextRunAfter: db.prepare(`SELECT min(run_after) AS at FROM jobs INDEXED BY jobs_retrying WHERE status = 'retrying'`),
    getLock: db.prepare(`SELECT * FROM runner_lock WHERE id = 1`),
    putLock: db.prepare(`INSERT INTO runner_lock (id, runner_id, pid, host, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET runner_id = excluded.runner_id, pid = excluded.pid, host = excluded.host,
      started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`),
    heartbeat: db.prepare(`UPDATE runner_lock SET heartbeat_at = ? WHERE runner_id = ?`),
    releaseLock: db.prepare(`DELETE FROM runner_lock WHERE runner_id = ?`),
    typeStats: db.prepare(`SELECT * FROM type_stats WHERE runs > 0 ORDER BY type`),
    runningCount: db.prepare(`SELECT count(*) AS n FROM runs INDEXED BY runs_running WHERE status = 'running' AND (@type IS NULL OR type = @type)`),
    recentFinished: db.prepare(`SELECT finished_at - started_at AS ms FROM runs INDEXED BY runs_type_started
      WHERE type = ? AND finished_at IS NOT NULL AND status IN ('succeeded','partial','failed') ORDER BY started_at DESC LIMIT 100`),
    maxDuration: db.prepare(`SELECT max(max_duration) AS ms FROM type_stats`),
    timelineCount: db.prepare(`SELECT count(*) AS n FROM runs INDEXED BY runs_timeline
      WHERE started_at >= @lower AND started_at < @until AND coalesce(finished_at, @now) > @since`),
    timelineAll: db.prepare(`SELECT id, job_id, type, lane, status, attempt, queued_at, started_at, finished_at FROM runs INDEXED BY runs_timeline
      WHERE started_at >= @lower AND started_at < @until AND coalesce(finished_at, @now) > @since
      ORDER BY started_at LIMIT @limit`),
    timelineLong: db.prepare(`SELECT id, job_id, type, lane, status, attempt, queued_at, started_at, finished_at FROM runs INDEXED BY runs_timeline
      WHERE started_at >= @lower AND started_at < @until AND coalesce(finished_at, @now) > @since
        AND coalesce(finished_at, @now) - started_at >= @bucket
      ORDER BY coalesce(finished_at, @now) - started_at DESC LIMIT @limit`),
    firstStartSince: db.prepare(`SELECT min(started_at) AS at FROM runs WHERE started_at >= ?`),
    lastStart: db.prepare(`SELECT max(started_at) AS at FROM runs`),
    syncNormal: db.prepare(`PRAGMA synchronous = NORMAL`),
    syncFull: db.prepare(`PRAGMA synchronous = FULL`),
  }
}

/** The job and run a claim produces, as the claim's writes will record them. */
function claimedFrom(row: JobRow, runId: string, input: ClaimInput): ClaimedWork {
  const job = toJob({ ...row, status: 'running', attempts: row.attempts + 1, last_run_id: runId, run_after: null, error: null })
  const run = toRun({
    id: runId,
    job_id: row.id,
    type: row.type,
    lane: row.lane,
    params: row.params,
    attempt: row.attempts + 1,
    status: 'running',
    queued_at: row.queued_at,
    started_at: input.now,
    finished_at: null,
    exit_code: null,
    signal: null,
    error: null,
    progress_percent: null,
    progress_current: null,
    progress_total: null,
    progress_message: null,
    items_ok: null,
    items_failed: null,
    runner_id: input.runnerId,
    pid: null,
    pid_start: null,
    log_bytes: 0,
    log_truncated: 0,
    seq: 0,
    peak_rss_bytes: null,
    cpu_seconds: null,
    processes_stopped: 0,
  })
  return { job, run, storedParams: parseStoredParams(row.params, row.id) }
}

interface TimelineRow {
  id: string
  job_id: string
  type: string
  lane: string
  status: RunStatus
  attempt: number
  queued_at: number
  started_at: number
  finished_at: number | null
}

const durationOf = (row: TimelineRow, now: number): number => (row.finished_at ?? now) - row.started_at

/** The statement behind listRuns without a search (exported so benchmarks can EXPLAIN exactly what runs). */
export function runListQuery(filter: RunFilter): { sql: string; args: Record<string, string | number> } {
  const where: string[] = []
  const args: Record<string, string | number> = { limit: filter.limit }
  if (filter.type) {
    where.push('type = @type')
    args.type = filter.type
  }
  if (filter.status) {
    where.push('status = @status')
    args.status = filter.status
  }
  if (filter.jobId) {
    where.push('job_id = @jobId')
    args.jobId = filter.jobId
  }
  if (filter.since !== undefined) {
    where.push('started_at >= @since')
    args.since = filter.since
  }
  if (filter.until !== undefined) {
    where.push('started_at < @until')
    args.until = filter.until
  }
  if (filter.before) {
    where.push('(started_at < @beforeAt OR (started_at = @beforeAt AND id < @beforeId))')
    args.beforeAt = filter.before.startedAt
    args.beforeId = filter.before.id
  }
  const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_at DESC, id DESC LIMIT @limit`
  return { sql, args }
}


