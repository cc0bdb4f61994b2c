// Fires schedules in the process that runs the runner, over the engine's ScheduleStore (the local
// SQLite file or the shared database), so it is written once for both. One timer: to the next
// fire (its jitter included), and at most `checkMs` away, when it also looks at the wall clock.
//
// Why each fire happens once: a fire's record and its job commit in one transaction, keyed by
// (schedule, scheduled time). A restart starts after the latest fire recorded; another instance
// writing the same key inserts nothing. Downtime and sleep: at start, and whenever the wall
// clock moved apart from the monotonic clock (laptop sleep, a clock change), the fires due since
// the last one judged are judged by `missed` and `catchupWindow` (model/schedule-policy.ts).
import { performance } from 'node:perf_hooks'
import { isTerminalJobStatus } from '../../../src-shared/domain'
import type { LoadedConfig } from '../config/load-config'
import { resolveLane } from '../config/job-command'
import type { EventBus } from '../events/event-bus'
import { newId } from '../ids'
import { catchUpSummary, decideOverlap, jitterDelay, judgeMissed, pausedAt, type PreviousJob, type SchedulePause } from '../model/schedule-policy'
import { firesBetween, fireTimesOf, upcomingFires, type FireTimes, type ScheduleSpec } from '../model/schedule-times'
import type { FireRecord, FireWrite, ScheduleStore } from '../store/schedule-store'
import type { FireOutcome } from '../../../src-shared/schedules'

export interface SchedulerOptions {
  schedules: ScheduleStore
  config: () => LoadedConfig
  events: EventBus
  /** After fires enqueued jobs: publish them and let the runner claim. */
  afterEnqueue: () => void
  /** The fires that enqueued a job, once recorded (the audit log's `schedule:NAME` records); awaited. */
  onFired?: (fires: FiredJob[]) => Promise<void>
  now?: () => number
  /** A clock that does not jump (performance.now()). */
  monotonic?: () => number
  random?: () => number
  log?: (line: string) => void
  /** The longest sleep between two looks at the wall clock. */
  checkMs?: number
  /** A wall clock that moved this much more (or less) than the monotonic clock between two looks jumped. */
  jumpMs?: number
}

/** A fire that enqueued a job, as the audit log records it. */
export interface FiredJob {
  schedule: string
  scheduledFor: number
  firedAt: number
  jobId: string
}

/** Fires judged one by one per catch-up at most; older ones are counted (and recorded only as the count says). */
const MAX_JUDGED = 1_000
/** More fires due at once than this, without a jump (a blocked event loop, a stopped process), are a catch-up too. */
const MAX_ON_TIME = 3

interface Slot {
  spec: ScheduleSpec
  times: FireTimes
  /** Every scheduled time up to here has been judged. */
  judgedUntil: number
  next: number | null
  /** The jitter of `next`. */
  delay: number
  /** overlap: queue — the fire held until the previous job finishes. */
  waiting: { scheduledFor: number; previous: string } | null
}

export class Scheduler {
  private readonly slots = new Map<string, Slot>()
  private readonly opts: Required<Omit<SchedulerOptions, 'log' | 'onFired'>> & Pick<SchedulerOptions, 'log' | 'onFired'>
  private configSeen: LoadedConfig['schedules'] | null = null
  private timer: NodeJS.Timeout | null = null
  private offset = 0
  private busy: Promise<void> | null = null
  private again = false
  private stopped = true
  private unsubscribe: (() => void) | null = null
  private readonly recordedFires = new Map<string, Map<FireOutcome, number>>()

  constructor(options: SchedulerOptions) {
    this.opts = {
      now: Date.now,
      monotonic: () => performance.now(),
      random: Math.random,
      checkMs: 10_000,
      jumpMs: 2_000,
      ...options,
    }
  }

  /** The fires this scheduler recorded since it was made, per schedule and outcome (/metrics counts them). */
  firesRecorded(): Array<{ schedule: string; outcome: FireOutcome; count: number }> {
    return [...this.recordedFires].flatMap(([schedule, counts]) => [...counts].map(([outcome, count]) => ({ schedule, outcome, count })))
  }

  /** Judges what was missed while nothing ran, then fires on time until stopped. */
  async start(): Promise<void> {
    this.stopped = false
    this.offset = this.opts.now() - this.opts.monotonic()
    this.unsubscribe = this.opts.events.on('job.changed', ({ job }) => {
      if (job.schedule === null || !isTerminalJobStatus(job.status)) return
      if (this.slots.get(job.schedule)?.waiting?.previous === job.id) void this.wake()
    })
    await this.run(async () => {
      await this.syncSlots(true)
      await this.catchUp(this.opts.now(), 'start', [...this.slots.values()])
    })
    this.warm()
  }

  /**
   * Works out each schedule's next fires and its next day of fires in the background, a few
   * schedules per turn, so the first Schedules view and Timeline forecast in this process find them
   * ready: croner takes about 50 µs a fire in a named zone, half a second for a day of 1,000
   * schedules.
   */
  private warm(): void {
    const specs = [...this.slots.values()].map((slot) => slot.spec)
    const step = (from: number): void => {
      if (this.stopped || from >= specs.length) return
      const now = this.opts.now()
      for (const spec of specs.slice(from, from + 25)) {
        upcomingFires(spec, now, 5)
        // The Timeline's forecast asks the next 24 h.
        firesBetween(spec, now - 1, now + 25 * 3_600_000, 100_000)
      }
      setImmediate(() => step(from + 25))
    }
    setImmediate(() => step(0))
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.unsubscribe?.()
    this.unsubscribe = null
    await this.busy
    // A fire held for overlap: queue lives only here: it is recorded as what became of it.
    const now = this.opts.now()
    const held = [...this.slots.values()].flatMap((slot) => {
      const waiting = slot.waiting
      slot.waiting = null
      return waiting
        ? [this.write(slot.spec, waiting.scheduledFor, now, 'skipped', `the runner stopped while it waited for previous job ${waiting.previous} (overlap: queue)`)]
        : []
    })
    await this.record(held, now).catch((error: unknown) => this.opts.log?.(`schedules: ${error instanceof Error ? error.message : String(error)}`))
  }

  /** Looks now: fires what is due, judges what a jump left behind, releases held fires. */
  wake(): Promise<void> {
    return this.run(async () => {
      await this.syncSlots(false)
      const now = this.opts.now()
      const offset = now - this.opts.monotonic()
      const jumped = Math.abs(offset - this.offset) > this.opts.jumpMs
      this.offset = offset
      if (jumped) await this.catchUp(now, 'jump', [...this.slots.values()])
      else await this.fireDue(now)
      await this.releaseHeld(now)
    })
  }

  /** When each schedule fires next (nominal time, without jitter); for tests and status. */
  nextFires(): Map<string, number | null> {
    return new Map([...this.slots].map(([name, slot]) => [name, slot.next]))
  }

  private async run(work: () => Promise<void>): Promise<void> {
    if (this.busy) {
      this.again = true
      return this.busy
    }
    this.busy = (async () => {
      try {
        do {
          this.again = false
          await work()
        } while (this.again && !this.stopped)
      } catch (error) {
        this.opts.log?.(`schedules: ${error instanceof Error ? error.message : String(error)}`)
      } finally {
        this.busy = null
        this.arm()
      }
    })()
    return this.busy
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.stopped) return
    const now = this.opts.now()
    let delay = this.opts.checkMs
    for (const slot of this.slots.values()) if (slot.next !== null) delay = Math.min(delay, slot.next + slot.delay - now)
    this.timer = setTimeout(() => void this.wake(), Math.max(0, delay))
    this.timer.unref()
  }

  /** Slots for the enabled schedules of the config in force; a new one starts after its latest recorded fire, or now. */
  private async syncSlots(atStart: boolean): Promise<void> {
    const specs = this.opts.config().schedules
    if (specs === this.configSeen) return
    // A reloaded config has new specs: their fires are worked out again in the background.
    if (!atStart && this.configSeen !== null) setImmediate(() => this.warm())
    this.configSeen = specs
    const enabled = [...specs.values()].filter((s) => s.enabled)
    for (const name of this.slots.keys()) if (!enabled.some((s) => s.name === name)) this.slots.delete(name)
    const fresh = enabled.filter((spec) => {
      const slot = this.slots.get(spec.name)
      if (!slot) return true
      const sameTiming = slot.spec.cron === spec.cron && slot.spec.everyMs === spec.everyMs && slot.spec.timezone === spec.timezone
      if (!sameTiming) return true
      slot.spec = spec
      return false
    })
    if (fresh.length === 0) return
    const latest = await this.opts.schedules.latestFireTimes(fresh.map((s) => s.name))
    const now = this.opts.now()
    for (const spec of fresh) {
      // A schedule never fired (or just edited) starts now: nothing before it is "missed".
      const from = atStart ? (latest.get(spec.name) ?? now) : Math.max(latest.get(spec.name) ?? now, now)
      const slot: Slot = { spec, times: fireTimesOf(spec), judgedUntil: from, next: null, delay: 0, waiting: null }
      this.advance(slot, from)
      this.slots.set(spec.name, slot)
    }
  }

  private advance(slot: Slot, judgedUntil: number): void {
    slot.judgedUntil = judgedUntil
    slot.next = slot.times.nextAfter(judgedUntil)
    slot.delay = jitterDelay(slot.spec.jitterMs, this.opts.random)
  }

  /**
   * Runs `work`, which judges fires of `slots`; if it fails (the database busy or unreachable),
   * the slots go back to where they were, so the next look judges those fires again. A retry is
   * safe: a fire that was recorded after all finds its key taken.
   */
  private async undoOnFailure(slots: readonly Slot[], work: () => Promise<void>): Promise<void> {
    const saved = slots.map((slot) => ({ slot, judgedUntil: slot.judgedUntil, next: slot.next, delay: slot.delay, waiting: slot.waiting }))
    try {
      await work()
    } catch (error) {
      for (const { slot, ...state } of saved) Object.assign(slot, state)
      throw error
    }
  }

  private async fireDue(now: number): Promise<void> {
    const late: Slot[] = []
    const dueSlots: Slot[] = []
    for (const slot of this.slots.values()) {
      if (slot.next === null || slot.next + slot.delay > now) continue
      if (slot.times.between(slot.judgedUntil, now, MAX_ON_TIME + 1).length > MAX_ON_TIME) late.push(slot)
      else dueSlots.push(slot)
    }
    if (late.length > 0) await this.catchUp(now, 'late', late)
    if (dueSlots.length === 0) return
    await this.undoOnFailure(dueSlots, async () => {
      const due: Array<{ slot: Slot; at: number }> = []
      for (const slot of dueSlots) {
        while (slot.next !== null && slot.next + slot.delay <= now) {
          due.push({ slot, at: slot.next })
          this.advance(slot, slot.next)
        }
      }
      const [pauses, previous] = await Promise.all([this.opts.schedules.pauses(), this.opts.schedules.unfinishedJobs(dueSlots.map((s) => s.spec.name))])
      const writes: FireWrite[] = []
      for (const { slot, at } of due) {
        const made = this.onTime(slot, at, now, pauses.get(slot.spec.name), previous.get(slot.spec.name) ?? null)
        writes.push(...made)
        // A job enqueued now is the previous job of the next fire of the same turn.
        const job = made[0]?.job
        if (job) previous.set(slot.spec.name, { id: job.id, status: 'queued' })
      }
      await this.record(writes, now)
    })
  }

  /** One fire on time: paused, held, skipped or enqueued. */
  private onTime(slot: Slot, at: number, now: number, pause: SchedulePause | undefined, previous: PreviousJob | null): FireWrite[] {
    const { spec } = slot
    if (pausedAt(pause, at)) return [this.write(spec, at, now, 'paused', pauseReason(pause as SchedulePause))]
    const decision = decideOverlap(spec.overlap, previous)
    if (decision.action === 'enqueue') return [this.write(spec, at, now, 'enqueued', decision.reason)]
    if (decision.action === 'skip') return [this.write(spec, at, now, 'skipped', decision.reason)]
    if (slot.waiting) {
      return [this.write(spec, at, now, 'skipped', `a fire (${new Date(slot.waiting.scheduledFor).toISOString()}) already waits for previous job ${slot.waiting.previous} (overlap: queue)`)]
    }
    slot.waiting = { scheduledFor: at, previous: decision.previous }
    return []
  }

  /** Held fires (overlap: queue) whose previous job finished are enqueued now. */
  private async releaseHeld(now: number): Promise<void> {
    const held = [...this.slots.values()].filter((s) => s.waiting !== null)
    if (held.length === 0) return
    await this.undoOnFailure(held, async () => {
      const unfinished = await this.opts.schedules.unfinishedJobs(held.map((s) => s.spec.name))
      const writes: FireWrite[] = []
      for (const slot of held) {
        const waiting = slot.waiting as NonNullable<Slot['waiting']>
        if (unfinished.get(slot.spec.name)?.id === waiting.previous) continue
        slot.waiting = null
        writes.push(this.write(slot.spec, waiting.scheduledFor, now, 'enqueued', `waited for previous job ${waiting.previous} to finish (overlap: queue)`))
      }
      await this.record(writes, now)
    })
  }

  /**
   * Fires that should have happened while nothing ran (or the clock jumped past them): each
   * judged by `missed` and `catchupWindow`; overlap is judged against the job from before them,
   * never among themselves (`all` runs each).
   */
  private async catchUp(now: number, why: 'start' | 'jump' | 'late', slots: Slot[]): Promise<void> {
    const pending = slots
      .map((slot) => ({ slot, tail: slot.times.tail(slot.judgedUntil, now, MAX_JUDGED, 10_000_000) }))
      .filter((p) => p.tail.newest.length > 0)
    if (pending.length === 0) return
    const notices: Array<[string, string]> = []
    await this.undoOnFailure(
      pending.map((p) => p.slot),
      () => this.judgeCaughtUp(now, why, pending, notices),
    )
    for (const [schedule, message] of notices) this.notice(schedule, 'missed', message, now)
  }

  private async judgeCaughtUp(
    now: number,
    why: 'start' | 'jump' | 'late',
    pending: ReadonlyArray<{ slot: Slot; tail: ReturnType<FireTimes['tail']> }>,
    notices: Array<[string, string]>,
  ): Promise<void> {
    for (const { slot } of pending) this.advance(slot, now)
    const [pauses, previous] = await Promise.all([this.opts.schedules.pauses(), this.opts.schedules.unfinishedJobs(pending.map((p) => p.slot.spec.name))])
    const writes: FireWrite[] = []
    for (const { slot, tail } of pending) {
      const { spec } = slot
      const pause = pauses.get(spec.name)
      const paused = tail.newest.filter((t) => pausedAt(pause, t))
      for (const t of paused) writes.push(this.write(spec, t, now, 'paused', pauseReason(pause as SchedulePause)))
      const judged = judgeMissed(tail.newest.filter((t) => !pausedAt(pause, t)), spec, now)
      const run = judged.filter((j) => j.run).map((j) => j.scheduledFor)
      const decision = decideOverlap(spec.overlap, previous.get(spec.name) ?? null)
      for (const j of judged) {
        if (!j.run) writes.push(this.write(spec, j.scheduledFor, now, 'missed', j.reason))
        else if (decision.action === 'enqueue') writes.push(this.write(spec, j.scheduledFor, now, 'enqueued', decision.reason ?? `caught up after ${why === 'start' ? 'Jobdeck was not running' : 'the clock jumped'}`))
        else if (decision.action === 'skip') writes.push(this.write(spec, j.scheduledFor, now, 'skipped', decision.reason))
        else if (j.scheduledFor === run.at(-1) && !slot.waiting) slot.waiting = { scheduledFor: j.scheduledFor, previous: decision.previous }
        else writes.push(this.write(spec, j.scheduledFor, now, 'skipped', `${decision.reason}; a later missed fire waits for it (overlap: queue)`))
      }
      const summary = catchUpSummary(spec.name, judged, spec.missed)
      if (summary && why !== 'late') {
        const more = tail.count > tail.newest.length ? ` (${tail.count}${tail.capped ? '+' : ''} in all; the newest ${MAX_JUDGED} recorded)` : ''
        notices.push([spec.name, `${summary}${more}`])
      }
    }
    await this.record(writes, now)
  }

  private write(spec: ScheduleSpec, at: number, now: number, outcome: FireRecord['outcome'], reason: string | null): FireWrite {
    if (outcome !== 'enqueued') return { fire: { schedule: spec.name, scheduledFor: at, firedAt: now, outcome, reason, jobId: null }, job: null }
    const type = this.opts.config().types.get(spec.job)
    if (!type) {
      return { fire: { schedule: spec.name, scheduledFor: at, firedAt: now, outcome: 'skipped', reason: `job type ${spec.job} is not in the config any more`, jobId: null }, job: null }
    }
    const id = newId(now)
    return {
      fire: { schedule: spec.name, scheduledFor: at, firedAt: now, outcome, reason, jobId: id },
      job: { id, type: spec.job, params: spec.params, priority: spec.priority ?? type.priority, lane: resolveLane(type, spec.params), schedule: spec.name },
    }
  }

  private async record(writes: FireWrite[], now: number): Promise<void> {
    if (writes.length === 0) return
    const recorded = await this.opts.schedules.record(writes, now)
    const fired = recorded.flatMap(({ fire, job }) => (job ? [{ schedule: fire.schedule, scheduledFor: fire.scheduledFor, firedAt: fire.firedAt, jobId: job.id }] : []))
    if (fired.length > 0) {
      this.opts.afterEnqueue()
      await this.opts.onFired?.(fired)
    }
    for (const { fire } of recorded) {
      const counts = this.recordedFires.get(fire.schedule) ?? new Map<FireOutcome, number>()
      counts.set(fire.outcome, (counts.get(fire.outcome) ?? 0) + 1)
      this.recordedFires.set(fire.schedule, counts)
      if (fire.outcome !== 'skipped') continue
      if (this.opts.config().schedules.get(fire.schedule)?.notifySkipped) {
        this.notice(fire.schedule, 'skipped', `${fire.schedule} skipped its fire of ${new Date(fire.scheduledFor).toISOString()}: ${fire.reason ?? ''}`, now)
      }
    }
  }

  private notice(schedule: string, kind: 'missed' | 'skipped', message: string, now: number): void {
    this.opts.log?.(message)
    this.opts.events.emit('schedule.notice', { schedule, kind, message, at: new Date(now).toISOString() })
  }
}

function pauseReason(pause: SchedulePause): string {
  return pause.until === null ? 'paused until resumed' : `paused until ${new Date(pause.until).toISOString()}`
}
