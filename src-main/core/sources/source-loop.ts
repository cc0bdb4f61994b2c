// One source's life in this process: connect, check the table (columns, types, index advice),
// poll every `poll:` (and at each NOTIFY on `listen:`), flag stuck runs, and go offline on a
// connection error with a backoff, its rows still served from the cache with the last sync time
// (as shared mode's DatabaseState). One cycle at a time; `sync()` runs one more now.
import type pg from 'pg'
import { backoffDelay } from '../../../src-shared/backoff'
import { JobdeckError } from '../../../src-shared/errors'
import type { IndexAdvice, SourceInfo, SourceStatus, SourceTestResult } from '../../../src-shared/sources'
import type { EventBus } from '../events/event-bus'
import type { SourceQueue } from '../../../src-shared/sources'
import { pollOnce, rereadRows, DEFAULT_LIMITS, type PollContext, type PollLimits } from './source-poll'
import { adviseIndex, alsoTableProblems, planSource, readTableShape, shapeProblems, type SourcePlan } from './source-sql'
import { quoteIdent, type SourceSpec } from './source-spec'
import type { SourceWriter } from './source-writer'

export interface SourceLoopDeps {
  spec: SourceSpec
  pool: () => Promise<pg.Pool>
  /** `host:port/database`, without user or password. */
  url: string | null
  writer: SourceWriter
  counts: (source: string) => SourceQueue['counts']
  events: EventBus
  publishChanges: () => void
  log: (line: string) => void
  now?: () => number
  backoff?: { baseMs: number; maxMs: number }
  limits?: Partial<PollLimits>
}

/** SQLSTATE classes of a lost or refused connection (08, 57P0x), as against an error of the statement. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true
  return code.startsWith('08') || code.startsWith('57P') || code === '53300'
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

class TableProblem extends Error {}

/** Stored per source: each unmapped status value with the ids of its rows (at most 10,000 kept each). */
const HELD_KEPT = 10_000

function heldIds(unmapped: ReadonlyMap<string, ReadonlySet<string>>): Record<string, string[]> {
  return Object.fromEntries([...unmapped].map(([value, ids]) => [value, [...ids].slice(0, HELD_KEPT)]))
}

function parseHeld(text: string): Record<string, string[]> {
  const value: unknown = JSON.parse(text)
  // '[]', the column's default: nothing held.
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string[]>) : {}
}

export class SourceLoop {
  private readonly now: () => number
  private readonly limits: PollLimits
  private plan: SourcePlan | null = null
  private status: SourceStatus = 'connecting'
  private error: string | null = null
  private offlineSince: number | null = null
  private lastSyncAt: number | null = null
  private pollMs: number | null = null
  private index: IndexAdvice | null
  private readonly unmapped = new Map<string, Set<string>>()
  private failures = 0
  private started = false
  private stopped = false
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private listener: pg.PoolClient | null = null
  private cycled = false
  private readonly reread: PollContext['reread'] = { cursor: null }
  /** The table's row count at the last check (planner or statistics): a large first backfill is a bulk load. */
  private rowEstimate = 0

  constructor(readonly deps: SourceLoopDeps) {
    this.now = deps.now ?? Date.now
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits }
    this.index = deps.writer.indexAdvice(deps.spec.name)
    this.loadStored()
  }

  get spec(): SourceSpec {
    return this.deps.spec
  }

  /** Polls continuously from now on. */
  start(): void {
    this.started = true
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.inFlight?.catch(() => undefined)
    this.dropListener()
  }

  /** A NOTIFY (or markFailed): poll now rather than at the next tick. */
  wake(): void {
    if (this.inFlight === null) void this.sync().catch(() => undefined)
  }

  /** One cycle now (after the one in flight). */
  async sync(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined)
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.inFlight = this.cycle().finally(() => {
      this.inFlight = null
      if (this.started && !this.stopped) this.schedule(this.status === 'offline' ? this.backoffMs() : this.spec.pollMs)
    })
    await this.inFlight
  }

  info(): SourceInfo {
    if (!this.cycled) this.loadStored()
    const spec = this.spec
    const counts = this.deps.counts(spec.name)
    const unmapped = [...this.unmapped.keys()]
    return {
      name: spec.name,
      preset: spec.preset,
      table: spec.tableText,
      connection: spec.connection ?? 'postgres',
      url: this.deps.url,
      status: this.status,
      error: this.error ?? this.unmappedMessage(unmapped),
      offlineSince: this.offlineSince === null ? null : new Date(this.offlineSince).toISOString(),
      lastSyncAt: this.lastSyncAt === null ? null : new Date(this.lastSyncAt).toISOString(),
      rows: this.deps.writer.rowCount(spec.name),
      queued: counts.waiting,
      running: counts.running,
      stuck: counts.stuck,
      pollMs: this.pollMs,
      pollEveryMs: spec.pollMs,
      listen: spec.listen,
      stuckAfter: spec.stuckAfter,
      index: this.index,
      unmappedStatuses: unmapped,
      actions: { markFailed: spec.markFailed?.enabled ?? false },
    }
  }

  /** Connects and checks the table without mirroring anything. */
  async test(): Promise<SourceTestResult> {
    const t0 = performance.now()
    try {
      const pool = await this.deps.pool()
      await pool.query('SELECT 1')
      const latencyMs = Math.round((performance.now() - t0) * 10) / 10
      const shape = await readTableShape(pool, this.spec)
      const problems = [...shapeProblems(this.spec, shape), ...(await alsoTableProblems(pool, this.spec))]
      const index = shape && problems.length === 0 ? await this.advise(pool, planSource(this.spec, shape)) : null
      return { ok: problems.length === 0, latencyMs, problems, index, rowEstimate: shape?.rowEstimate ?? null }
    } catch (error) {
      return { ok: false, latencyMs: null, problems: [`sources.${this.spec.name}: ${messageOf(error)}`], index: null, rowEstimate: null }
    }
  }

  /** The one write: a running row marked failed in its own table. Returns the row count. */
  async markFailed(sourceId: string): Promise<number> {
    const pool = await this.deps.pool()
    const plan = this.plan ?? (await this.check(pool))
    const mf = this.spec.markFailed
    if (!plan.markFailed || !mf) throw new JobdeckError('conflict', `sources.${this.spec.name}: markFailed needs a plain status column with one value mapped to running and one to failed`)
    const result = await pool.query(plan.markFailed, [sourceId, mf.failed, mf.running])
    await rereadRows(this.context(pool, plan), [sourceId])
    this.deps.publishChanges()
    return result.rowCount ?? 0
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      void this.sync().catch(() => undefined)
    }, ms)
    this.timer.unref?.()
  }

  private backoffMs(): number {
    const { baseMs, maxMs } = this.deps.backoff ?? { baseMs: 1_000, maxMs: Math.max(30_000, this.spec.pollMs) }
    return backoffDelay({ baseMs, maxMs }, this.failures)
  }

  private async cycle(): Promise<void> {
    const before = this.status
    let mirrored = 0
    try {
      const pool = await this.deps.pool()
      const plan = this.plan ?? (await this.check(pool))
      const state = this.deps.writer.state(this.spec.name)
      if (!state || state.mapping !== this.spec.digest) {
        this.unmapped.clear()
        await this.deps.writer.startOver(this.spec.name, this.spec.digest)
      }
      // Listening before the poll: a NOTIFY sent while it reads is not lost.
      if (this.spec.listen && !this.listener) await this.listen(pool)
      const result = await pollOnce(this.context(pool, plan))
      mirrored = result.mirrored
      const stuck = this.flagStuck()
      this.status = 'online'
      this.error = null
      this.offlineSince = null
      this.failures = 0
      this.lastSyncAt = this.now()
      this.pollMs = Math.round(result.dbMs * 10) / 10
      if (mirrored > 0 && !result.backfillDone) this.deps.publishChanges()
      if (stuck > 0) this.deps.publishChanges()
    } catch (error) {
      this.failures++
      if (error instanceof TableProblem) {
        this.status = 'error'
        this.error = error.message
      } else if (isConnectionError(error)) {
        this.status = 'offline'
        this.offlineSince ??= this.now()
        this.error = `${this.spec.name}: ${this.deps.url ?? 'the database'} is unreachable: ${messageOf(error)}`
        this.dropListener()
      } else {
        // The table changed under us (a column dropped, a type changed): check it again next time.
        this.plan = null
        this.status = 'error'
        this.error = `sources.${this.spec.name}: ${messageOf(error)}`
      }
      if (before !== this.status) this.deps.log(`source ${this.spec.name}: ${this.error}`)
    } finally {
      this.cycled = true
      this.deps.writer.saveStatus(this.spec.name, {
        lastSyncAt: this.lastSyncAt,
        error: this.error,
        offlineSince: this.offlineSince,
        pollMs: this.pollMs,
        unmapped: heldIds(this.unmapped),
      })
    }
    if (mirrored > 0 || before !== this.status) this.deps.events.emit('source.changed', { source: this.info(), mirrored })
  }

  /** The table's shape, its problems (at file:line:col), the statements and the index advice. */
  private async check(pool: pg.Pool): Promise<SourcePlan> {
    const shape = await readTableShape(pool, this.spec)
    const problems = [...shapeProblems(this.spec, shape), ...(await alsoTableProblems(pool, this.spec))]
    if (shape === null || problems.length > 0) throw new TableProblem(problems.join('\n'))
    const plan = planSource(this.spec, shape)
    this.rowEstimate = shape.rowEstimate
    try {
      this.index = await this.advise(pool, plan)
    } catch (error) {
      // Every column the mapping names exists: a statement the database refuses now is about `where:`.
      if (isConnectionError(error) || this.spec.where === null) throw error
      throw new TableProblem(`${this.spec.whereAt}: sources.${this.spec.name}.where: ${JSON.stringify(this.spec.where)} is refused by the database: ${messageOf(error)}`)
    }
    this.deps.writer.saveIndexAdvice(this.spec.name, this.index)
    if (!this.index.indexed) this.deps.log(`source ${this.spec.name}: the poll scans ${this.spec.tableText}; ${this.index.createIndex}`)
    this.plan = plan
    return plan
  }

  private async advise(pool: pg.Pool, plan: SourcePlan): Promise<IndexAdvice> {
    const client = await pool.connect()
    try {
      const mark = { at: new Date(this.now()).toISOString(), id: null }
      return await adviseIndex(client, this.spec, plan, plan.changesArgs(mark, this.limits.page, this.limits.marginMs))
    } finally {
      client.release()
    }
  }

  private context(pool: pg.Pool, plan: SourcePlan): PollContext {
    const large = this.rowEstimate >= this.limits.bulkFrom
    return { spec: this.spec, plan, db: pool, writer: this.deps.writer, limits: this.limits, now: this.now, unmapped: this.unmapped, large, reread: this.reread, stopping: () => this.stopped }
  }

  /** Running rows past `stuckAfter` get stuck_at once, and one run.stuck event each, ever. */
  private flagStuck(): number {
    const now = this.now()
    const after = this.spec.stuckAfter
    const thresholds = new Map<string, number | null>()
    const due = this.deps.writer.runningUnflagged(this.spec.name).filter((run) => {
      if (!thresholds.has(run.type)) {
        const p95 = 'ms' in after ? null : this.deps.writer.p95(run.type)
        thresholds.set(run.type, 'ms' in after ? after.ms : p95 === null ? null : p95 * after.p95Times)
      }
      const limit = thresholds.get(run.type)
      return limit !== null && limit !== undefined && now - run.started_at > limit
    })
    const flagged = new Set(this.deps.writer.flagStuck(due.map((run) => run.id), now))
    for (const run of due) {
      if (!flagged.has(run.id)) continue
      this.deps.events.emit('run.stuck', {
        runId: run.id,
        jobId: run.job_id,
        type: run.type,
        source: this.spec.name,
        sourceId: run.source_id,
        startedAt: new Date(run.started_at).toISOString(),
        stuckAfterMs: thresholds.get(run.type) ?? 0,
      })
    }
    return flagged.size
  }

  private async listen(pool: pg.Pool): Promise<void> {
    const client = await pool.connect()
    this.listener = client
    client.on('notification', () => this.wake())
    client.on('error', () => {
      if (this.listener === client) this.dropListener()
    })
    try {
      await client.query(`LISTEN ${quoteIdent(this.spec.listen as string)}`)
    } catch (error) {
      this.dropListener()
      throw error
    }
  }

  private dropListener(): void {
    const client = this.listener
    this.listener = null
    if (client) client.release(true)
  }

  private unmappedMessage(values: string[]): string | null {
    if (values.length === 0) return null
    const counts = values.map((v) => {
      const n = this.unmapped.get(v)?.size
      return `"${v}"${n ? ` (${n} row${n === 1 ? '' : 's'} not mirrored)` : ''}`
    })
    return `${this.spec.name}: status ${counts.join(', ')} in ${this.spec.tableText} ${values.length === 1 ? 'is' : 'are'} not mapped; add ${values.length === 1 ? 'it' : 'them'} under ${this.spec.statusesAt}`
  }

  /** What the last process that polled this source recorded (a short CLI command shows that). */
  private loadStored(): void {
    const state = this.deps.writer.state(this.spec.name)
    if (!state || state.mapping !== this.spec.digest) return
    this.lastSyncAt = state.last_sync_at
    this.error = state.error
    this.offlineSince = state.offline_since
    this.pollMs = state.poll_ms
    // The rows held back for an unmapped status, by value: read again by id at the next poll.
    this.unmapped.clear()
    for (const [value, ids] of Object.entries(parseHeld(state.unmapped))) this.unmapped.set(value, new Set(ids))
    this.status = state.offline_since !== null ? 'offline' : state.error !== null ? 'error' : state.last_sync_at !== null ? 'online' : 'connecting'
    this.index = this.deps.writer.indexAdvice(this.spec.name) ?? this.index
  }
}
