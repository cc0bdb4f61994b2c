import type { Job, Priority, Progress, Run } from '../../../../src-shared/domain'
import { isTerminalJobStatus, PRIORITY_RANK } from '../../../../src-shared/domain'
import { JobdeckError } from '../../../../src-shared/errors'
import { newId } from '../../ids'
import type { ClaimInput, ClaimedRun, ClaimedWork, InterruptPolicy, InterruptedRun, LogAppend, NewJob, RunCompletion, RunnerLockInfo } from '../store-types'
import { resultRecord, type ResultRecord } from '../result-record'
import { refuseStartNow } from '../../model/start-now'
import { HistoryReads } from './history-reads'
import type { SqliteDatabase } from './open-database'
import { parseStoredParams, toJob, toRun, type JobRow, type RunRow } from './rows'
import { WalSync } from './wal-sync'

/** Writes rows into a FULL transaction just before it commits; returns what to do once it committed, or null. */
export type CommitAppender = () => (() => void) | null

/**
 * The queue and history in one SQLite file; this class writes (the reads are its read models,
 * queue-reads.ts and history-reads.ts). Every state transition is one transaction that bumps the
 * change sequence, so other processes (and the event watcher) see each change once.
 */
export class SqliteStore extends HistoryReads {
  private ordCounter = 0

  private readonly walSync: WalSync
  private readonly fullSync: boolean
  private appender: CommitAppender | null = null
  /** Inside relaxedTx: its commit does not sync, so nothing may count on it. */
  private relaxing = false

  constructor(db: SqliteDatabase) {
    super(db)
    this.fullSync = (db.pragma('synchronous', { simple: true }) as number) >= 2
    this.walSync = new WalSync(`${db.name}-wal`)
  }

  /** A write transaction taken with the write lock up front (no upgrade deadlocks between processes). */
  tx<T>(fn: () => T): T {
    const appender = this.appender
    if (!appender || !this.fullSync || this.relaxing || this.db.inTransaction) return this.db.transaction(fn).immediate()
    let committed: (() => void) | null = null
    const result = this.db
      .transaction(() => {
        const value = fn()
        committed = appender()
        return value
      })
      .immediate()
    ;(committed as (() => void) | null)?.()
    return result
  }

  /**
   * Rows that should be durable with the next FULL commit (the audit record of the call making
   * it): `appender` runs inside each outermost FULL write transaction, last; what it returns runs
   * once that transaction committed.
   */
  setCommitAppender(appender: CommitAppender | null): void {
    this.appender = appender
  }

  /**
   * For bookkeeping that need not survive power loss (pids, progress, log lines): still safe
   * against a process crash, and made durable by the next FULL commit, which syncs the whole WAL.
   */
  relaxedTx<T>(fn: () => T): T {
    // Inside a caller's transaction the caller's commit decides durability.
    if (!this.fullSync || this.db.inTransaction) return this.tx(fn)
    this.stmt.syncNormal.run()
    this.relaxing = true
    try {
      return this.tx(fn)
    } finally {
      this.relaxing = false
      this.stmt.syncFull.run()
    }
  }

  private nextSeq(): number {
    return (this.stmt.bumpSeq.get() as { value: number }).value
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
          schedule: job.schedule ?? null,
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
    const gated = new Set(input.gatedTypes)
    // Lanes whose rate this claim used up: the starts it makes count as soon as they are picked.
    const rateFull: string[] = []
    const pickedIn = new Map<string, number>()
    while (total < input.concurrency) {
      const full = [...perLane].filter(([lane, n]) => n >= input.laneLimit(lane)).map(([lane]) => lane)
      if (input.blockedLanes) full.push(...input.blockedLanes)
      full.push(...rateFull)
      const row = this.stmt.nextEligible.get(
        input.now,
        JSON.stringify(full),
        JSON.stringify(input.allowedTypes),
        JSON.stringify(input.gatedTypes ?? []),
        JSON.stringify(picked.map((p) => p.row.id)),
      ) as JobRow | undefined
      if (!row) break
      const started = pickedIn.get(row.lane) ?? 0
      if (input.startsLeft && started >= input.startsLeft(row.lane)) {
        rateFull.push(row.lane)
        continue
      }
      picked.push({ row, claimed: claimedFrom(row, newId(input.now), input, gated.has(row.type)) })
      perLane.set(row.lane, (perLane.get(row.lane) ?? 0) + 1)
      pickedIn.set(row.lane, started + 1)
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
        gateBypassed: claimed.run.gateBypassed ? 1 : 0,
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
   * Records results and claims the next runs in one commit. The commit is crash-safe at once
   * (a killed process loses nothing it returned); `durable` resolves when it also survives power
   * loss (see WalSync), and only then may the result be reported. The next runs may start
   * before that (a power cut stops them too; they were never durably claimed and run again),
   * except the work of a type that must not run twice, which waits for `durable`.
   */
  finishAndClaim(completions: readonly RunCompletion[], next: ClaimInput | null): { finished: boolean[]; claimed: ClaimedWork[]; durable: Promise<void> } {
    const fullSync = this.fullSync
    const { finished, claimed } = (fullSync ? this.relaxedTx.bind(this) : this.tx.bind(this))(() => {
      const finished = completions.map((c) => this.finishInTx(c))
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

  override close(): void {
    this.walSync.close()
    super.close()
  }

  /**
   * Fencing: only a run still `running` and owned by this runner is finished, once. Inside the
   * caller's `tx`.
   */
  finishInTx(c: RunCompletion): boolean {
    const seq = this.nextSeq()
    // One object bound to both statements (each reads the names it has).
    const params: ResultRecord & { seq: number; jobId?: string } = Object.assign(resultRecord(c), { seq })
    const owned = this.stmt.finishRun.get(params) as { job_id: string } | undefined
    if (!owned) return false
    params.jobId = owned.job_id
    this.stmt.jobAfterRun.run(params)
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
      if (!isTerminalJobStatus(job.status)) {
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

  /**
   * "Start now": the waiting job passes the resource gate once, at its next claim (its lane's and
   * the runner's limits and its lane's rate still hold).
   */
  startNow(id: string): Job {
    return this.tx(() => {
      const job = this.resolveJob(id)
      refuseStartNow(job)
      this.stmt.setStartNow.run({ id: job.id, seq: this.nextSeq() })
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

  // ── runner lock ──────────────────────────────────────────────────────────────────────────

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

/** The job and run a claim produces, as the claim's writes will record them. */
function claimedFrom(row: JobRow, runId: string, input: ClaimInput, gateBypassed: boolean): ClaimedWork {
  const job = toJob({ ...row, status: 'running', attempts: row.attempts + 1, last_run_id: runId, run_after: null, error: null, start_now: 0 })
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
    gate_bypassed: gateBypassed ? 1 : 0,
  })
  return { job, run, storedParams: parseStoredParams(row.params, row.id) }
}

export { runListQuery } from './history-reads'
