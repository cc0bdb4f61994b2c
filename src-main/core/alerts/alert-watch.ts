// Feeds facts to the alert rules and writes what they decide into the outbox. Finished jobs are
// read from committed history past the watermark (`alerts.seq`), woken by `job.changed` and a
// poll; the rows and the watermark move in one SQLite transaction, so a kill -9 anywhere either
// left the fact undecided (the next process decides it) or decided and written (never twice).
// Overruns, stuck rows, health and the connection come as events; deadlines by a timer.
// Shared mode: a key is claimed in PostgreSQL first and only the winner writes; while the database
// is unreachable the watermark stays before the undecided facts and they are tried again.
import os from 'node:os'
import type { AlertRuleConfig } from '../../../src-shared/alert-config'
import type { AlertSnooze } from '../../../src-shared/alerts'
import type { EventMap } from '../../../src-shared/events'
import { JobdeckError } from '../../../src-shared/errors'
import type { LoadedConfig } from '../config/load-config'
import type { EventBus } from '../events/event-bus'
import type { ScheduleStore } from '../store/schedule-store'
import { AlertStore, STALE, type FinishedJob, type Progress, type Streaks } from '../store/sqlite/alert-store'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { SharedAlertKeys } from '../sync/shared-alerts'
import { decideAlerts, DEFAULT_OFFLINE_AFTER_MS, nextStreak, type AlertFact, type AlertSubject, type DecidedAlert } from './alert-rules'
import { DeadlineChecks } from './deadline-checks'

export { DEADLINE_GRACE_MS } from './deadline-checks'

export interface AlertTimers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export interface AlertWatchOptions {
  /** The local SQLite file (the queue in local mode, the cache in shared mode). */
  store: SqliteStore
  config: () => LoadedConfig
  events: EventBus
  /** Schedules' fires and pauses (deadlines): a paused schedule expects no run before its deadline. */
  schedules?: ScheduleStore | null
  /** Shared mode: alert keys claimed across instances, shared snoozes. */
  shared?: SharedAlertKeys | null
  now?: () => number
  timers?: AlertTimers
  /** How often committed history is looked at besides `job.changed` (default 1 s). */
  pollMs?: number
  /** New rows in the outbox: wake the deliverer. */
  onAlerts: () => void
  log: (message: string) => void
}

/** Finished jobs decided per transaction. */
const PAGE = 500
/** After a job finished, more finishes are awaited this long to decide them together. */
const BURST_MS = 50
/** Shared snoozes are read again at most this often. */
const SNOOZE_REFRESH_MS = 10_000

const REAL_TIMERS: AlertTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

export class AlertWatch {
  private readonly alerts: AlertStore
  private readonly now: () => number
  private readonly timers: AlertTimers
  private instanceName = ''
  private since = 0
  private running = false
  private passing: Promise<void> | null = null
  private again = false
  private pollTimer: unknown = null
  private deadlineTimer: unknown = null
  private burstTimer: unknown = null
  private readonly offlineTimers: unknown[] = []
  private readonly unsubscribe: Array<() => void> = []
  /** Facts from events, decided at the next pass (kept while shared claims are impossible). */
  private pending: AlertFact[] = []
  /** The quiet period's memory: when each (rule, type) last wrote, asked of the outbox once. */
  private readonly lastWritten = new Map<string, number>()
  /** Decided in this pass and not yet written: kept only if the write (or claim) happens. */
  private readonly tentative = new Map<string, number>()
  private readonly deadlines: DeadlineChecks
  /** The rules the deadlines were last judged for, and when to judge again. */
  private deadlineRules: readonly AlertRuleConfig[] | null = null
  private deadlineNextAt = -Infinity
  private criticalSince: number | null = null
  private snoozed = new Set<string>()
  private snoozesReadAt = -Infinity
  private lastSnoozes: AlertSnooze[] = []
  private claimTrouble: string | null = null

  constructor(private readonly options: AlertWatchOptions) {
    this.alerts = new AlertStore(options.store)
    this.deadlines = new DeadlineChecks(this.alerts, options.schedules ?? null)
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? REAL_TIMERS
  }

  /** This data file's name in keys and claims. */
  get instance(): string {
    return this.instanceName
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.instanceName = this.alerts.instance(os.hostname())
    this.since = this.alerts.since(this.now())
    const { events } = this.options
    this.unsubscribe.push(
      events.on('job.changed', ({ job }) => {
        // Without rules nothing is told: the 1 s poll alone moves the watermark (a write a second at
        // most, not one per burst of finishes), so rules added later start from about now.
        if (this.rules().length === 0) return
        if (job.status === 'failed' || job.status === 'succeeded' || job.status === 'partial') this.wakeSoon()
      }),
      events.on('run.overrun', (event) => this.onOverrun(event)),
      events.on('run.stuck', (event) => this.onStuck(event)),
      events.on('health.changed', ({ health }) => this.onHealth(health)),
      events.on('connection.changed', ({ connection }) => this.onConnection(connection)),
    )
    this.poll()
    this.wake()
  }

  async stop(): Promise<void> {
    this.running = false
    for (const off of this.unsubscribe.splice(0)) off()
    for (const handle of [this.pollTimer, this.deadlineTimer, this.burstTimer, ...this.offlineTimers.splice(0)]) if (handle !== null) this.timers.clearTimeout(handle)
    this.pollTimer = null
    this.deadlineTimer = null
    this.burstTimer = null
    await this.passing?.catch(() => undefined)
  }

  private poll(): void {
    this.pollTimer = this.timers.setTimeout(() => {
      if (!this.running) return
      this.wake()
      this.poll()
    }, this.options.pollMs ?? 1_000)
  }

  /** A burst of finishes (a busy queue) is decided in one pass, one transaction. */
  private wakeSoon(): void {
    if (this.burstTimer !== null || !this.running) return
    this.burstTimer = this.timers.setTimeout(() => {
      this.burstTimer = null
      this.wake()
    }, BURST_MS)
  }

  /** Decides now; one pass at a time, and one more if woken meanwhile. */
  wake(): void {
    if (!this.running) return
    if (this.passing) {
      this.again = true
      return
    }
    this.passing = this.pass()
      .catch((error: unknown) => this.options.log(`alerts: deciding failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.passing = null
        if (this.again && this.running) {
          this.again = false
          this.wake()
        }
      })
  }

  /** Runs one pass now (and waits for one already under way). For the timer, and tests with a controlled clock. */
  async settle(): Promise<void> {
    await this.passing
    this.again = false
    this.passing = this.pass()
    try {
      await this.passing
    } finally {
      this.passing = null
    }
  }

  private rules(): readonly AlertRuleConfig[] {
    return this.options.config().raw.alerts.rules
  }

  private async pass(): Promise<void> {
    const rules = this.rules()
    await this.refreshSnoozes()
    const events = this.pending.splice(0)
    if (!(await this.decideAndWrite(events.flatMap((fact) => this.decide(rules, fact)), undefined))) {
      this.pending.unshift(...events)
      return
    }
    if (!(await this.decideHistory(rules))) return
    await this.decideDeadlines(rules)
  }

  /** Finished jobs past the watermark, a page per transaction. False: stopped before the end (shared mode offline). */
  private async decideHistory(rules: readonly AlertRuleConfig[]): Promise<boolean> {
    for (;;) {
      const lo = this.alerts.watermark()
      const hi = this.options.store.currentSeq()
      if (hi <= lo) return true
      const page = this.alerts.finishedBetween(lo, hi, PAGE)
      const full = page.length === PAGE
      const watermark = full ? (page.at(-1) as FinishedJob).seq : hi
      const streaks: Streaks = { ...this.alerts.streaks() }
      const decided: DecidedAlert[] = []
      for (const job of page) {
        const failedBefore = streaks[job.type] ?? 0
        streaks[job.type] = nextStreak(failedBefore, job.status)
        if (streaks[job.type] === 0) delete streaks[job.type]
        // History older than alerting on this data file (a shared cache's first pull) is not told.
        if (job.finishedAt < this.since) continue
        decided.push(...this.decide(rules, { kind: 'finished', job, failedBefore }))
      }
      if (!(await this.decideAndWrite(decided, { from: lo, watermark, streaks }))) return false
      if (!full) return true
    }
  }

  private decide(rules: readonly AlertRuleConfig[], fact: AlertFact): DecidedAlert[] {
    const decided = decideAlerts(rules, fact, {
      snoozed: (type) => this.snoozed.has(type),
      overrunFactor: this.options.config().raw.monitor.overrunFactor,
      // The last alert of the rule about the type: this watch's memory, else the outbox's newest
      // row of that rule and type (its created_at). A fact within `quiet` of it is not written.
      quiet: (rule, type, at, quietMs) => {
        const last = this.lastAlertAt(rule, type)
        return last !== null && at - last < quietMs
      },
    })
    // Counted at once, so a later fact of the same write is held back by this one.
    for (const alert of decided) this.tentative.set(quietKey(alert.rule, alert.type), Math.max(alert.at, this.lastAlertAt(alert.rule, alert.type) ?? -Infinity))
    return decided
  }

  private lastAlertAt(rule: number, type: string | null): number | null {
    const key = quietKey(rule, type)
    const tentative = this.tentative.get(key)
    if (tentative !== undefined) return tentative
    if (!this.lastWritten.has(key)) this.lastWritten.set(key, this.alerts.lastAlertAt(rule, type) ?? -Infinity)
    const at = this.lastWritten.get(key) as number
    return at === -Infinity ? null : at
  }

  /**
   * Shared mode: claims the keys (one instance wins each; health and offline are this instance's
   * own, in their key). Then writes the won rows with the progress, one transaction. False when
   * the claim could not be made: nothing is written and the watermark stays.
   */
  private async decideAndWrite(decided: DecidedAlert[], progress: Progress | undefined): Promise<boolean> {
    let rows = decided
    const shared = this.options.shared
    if (shared && decided.length > 0) {
      const claimable = decided.filter((d) => !isOwnKey(d.key))
      try {
        const won = await shared.claim(
          claimable.map((d) => d.key),
          this.instanceName,
        )
        rows = decided.filter((d) => isOwnKey(d.key) || won.has(d.key))
        if (this.claimTrouble !== null) this.options.log('alerts: claiming alert keys in the shared database works again')
        this.claimTrouble = null
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        if (this.claimTrouble === null) this.options.log(`alerts: waiting for the shared database to claim ${claimable.length} alert(s): ${message}`)
        this.claimTrouble = message
        this.tentative.clear()
        if (!(error instanceof JobdeckError && error.code === 'unavailable')) throw error
        return false
      }
    }
    let added = 0
    try {
      if (rows.length > 0 || progress !== undefined) {
        added = this.alerts.addAlerts(
          rows.map(({ key, channel, rule, payload }) => ({ key, channel, rule, payload })),
          this.now(),
          progress,
        )
      }
    } catch (error) {
      this.tentative.clear()
      throw error
    }
    if (added === STALE) {
      // Another process on this file took the page: its rows stand, the quiet memory is asked again.
      this.tentative.clear()
      this.lastWritten.clear()
      return true
    }
    // Rows another instance won were sent by it: they count for the quiet period here too.
    for (const [key, at] of this.tentative) this.lastWritten.set(key, at)
    this.tentative.clear()
    if (added > 0) this.options.onAlerts()
    return true
  }

  private async refreshSnoozes(): Promise<void> {
    const now = this.now()
    if (this.options.shared && now - this.snoozesReadAt < SNOOZE_REFRESH_MS) {
      this.snoozed = new Set(this.lastSnoozes.filter((s) => Date.parse(s.until) > now).map((s) => s.type))
      return
    }
    this.snoozed = new Set((await this.snoozes()).map((s) => s.type))
  }

  /**
   * The snoozes holding now (for Settings → Alerts too): this file's, or in shared mode the shared
   * database's; while it is unreachable, those last read.
   */
  async snoozes(): Promise<AlertSnooze[]> {
    const now = this.now()
    if (!this.options.shared) return this.alerts.snoozes(now)
    try {
      this.lastSnoozes = await this.options.shared.snoozes(now)
      this.snoozesReadAt = now
    } catch {
      // Offline: the snoozes last read hold.
    }
    return this.lastSnoozes.filter((s) => Date.parse(s.until) > now)
  }

  // ── deadlines ───────────────────────────────────────────────────────────────────────────

  /** Judges the deadlines that passed (when one is due, or the rules changed), then sets a timer to the next. */
  private async decideDeadlines(rules: readonly AlertRuleConfig[]): Promise<void> {
    const now = this.now()
    if (rules === this.deadlineRules && now < this.deadlineNextAt) return
    const { due, nextAt } = await this.deadlines.due(rules, this.options.config(), now, this.since)
    let retry = false
    for (const { check, judged } of due) {
      if (await this.decideAndWrite(this.decide(rules, { kind: 'deadline', check }), undefined)) judged()
      else retry = true
    }
    this.deadlineRules = rules
    // Unclaimed (shared database unreachable): looked at again at the next pass.
    this.deadlineNextAt = retry ? now : nextAt
    if (this.deadlineTimer !== null) this.timers.clearTimeout(this.deadlineTimer)
    this.deadlineTimer = this.running ? this.timers.setTimeout(() => this.wake(), Math.max(0, this.deadlineNextAt - now)) : null
  }

  // ── events ───────────────────────────────────────────────────────────────────────────────

  private push(fact: AlertFact): void {
    if (!this.running) return
    this.pending.push(fact)
    this.wake()
  }

  private onOverrun(event: EventMap['run.overrun']): void {
    const row = this.options.store.db.prepare(`SELECT schedule, source FROM jobs WHERE id = ?`).get(event.jobId) as { schedule: string | null; source: string | null } | undefined
    const subject: AlertSubject = { type: event.type, schedule: row?.schedule ?? null, source: row?.source ?? null }
    this.push({ kind: 'overrun', subject, runId: event.runId, jobId: event.jobId, elapsedMs: event.elapsedMs, usualMs: event.usualMs, factor: event.factor, at: this.now() })
  }

  private onStuck(event: EventMap['run.stuck']): void {
    const subject: AlertSubject = { type: event.type, schedule: null, source: event.source }
    this.push({ kind: 'stuck', subject, runId: event.runId, jobId: event.jobId, sourceId: event.sourceId, startedAt: Date.parse(event.startedAt), stuckAfterMs: event.stuckAfterMs, at: this.now() })
  }

  private onHealth(health: EventMap['health.changed']['health']): void {
    const reasons = health.reasons
    if (health.level === 'critical' && this.criticalSince === null) {
      this.criticalSince = Date.parse(health.since) || this.now()
      this.push({ kind: 'health', instance: this.instanceName, criticalSince: this.criticalSince, recovered: false, reasons, at: this.now() })
    } else if (health.level !== 'critical' && this.criticalSince !== null) {
      const since = this.criticalSince
      this.criticalSince = null
      // It recovered when the level changed, not when this event was heard.
      this.push({ kind: 'health', instance: this.instanceName, criticalSince: since, recovered: true, reasons, at: Date.parse(health.since) || this.now() })
    }
  }

  private onConnection(connection: EventMap['connection.changed']['connection']): void {
    for (const handle of this.offlineTimers.splice(0)) this.timers.clearTimeout(handle)
    if (connection.status !== 'offline' || connection.offlineSince === null) return
    const offlineSince = Date.parse(connection.offlineSince)
    const afters = new Set(this.rules().filter((r) => r.on === 'offline').map((r) => r.after ?? DEFAULT_OFFLINE_AFTER_MS))
    for (const after of afters) {
      const wait = Math.max(0, offlineSince + after - this.now())
      this.offlineTimers.push(
        this.timers.setTimeout(() => this.push({ kind: 'offline', instance: this.instanceName, offlineSince, error: connection.error, at: this.now() }), wait),
      )
    }
  }
}

const quietKey = (rule: number, type: string | null): string => `${rule}\u0000${type ?? ''}`

/** Keys about this instance itself (its health, its connection): never claimed across instances. */
const isOwnKey = (key: string): boolean => key.startsWith('health') || key.startsWith('offline:')
