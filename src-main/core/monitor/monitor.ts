import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { ConcurrencyChange, Health, HostSample, RunUsagePoint } from '../../../src-shared/monitor'
import type { LoadedConfig } from '../config/load-config'
import type { EventBus } from '../events/event-bus'
import type { MonitorStore } from '../store/sqlite/monitor-store'
import { gateReason } from './gate'
import type { GateBlock } from '../../../src-shared/wait-reason'
import { HealthEvaluator } from './health'

export interface TreeUsageSample {
  at: number
  cpuPercent: number
  rssBytes: number
  cpuSeconds: number
}

export interface ActiveProcess {
  runId: string
  jobId: string
  type: string
  pid: number | null
  startedAt: number
}

export interface MonitorDeps {
  store: MonitorStore
  events: EventBus
  config: () => LoadedConfig
  hostSampler: { sample(): Promise<HostSample> }
  treeUsage: (rootPid: number) => { sample(): Promise<TreeUsageSample | null> }
  activeRuns: () => ActiveProcess[]
  /** The gate may have opened or closed: the runner should look again. */
  onGateChange: () => void
  /**
   * Adaptive concurrency (runner/adaptive-concurrency.ts), fed each host sample: a step is recorded,
   * announced, and lets the runner look again (a step up frees a slot).
   */
  concurrency?: {
    observe(sample: HostSample): ConcurrencyChange | null
    limit(): number
    reason(): string | null
  }
  now?: () => number
}

interface RunTracker {
  usage: { sample(): Promise<TreeUsageSample | null> }
  peakRssBytes: number | null
  cpuSeconds: number | null
  pending: Array<RunUsagePoint & { runId: string }>
  overrunReported: boolean
}

const MINUTE = 60_000
const USAGE_FLUSH_MS = 5_000
const OVERRUN_MIN_RUNS = 5

/**
 * Samples the host every `monitor.interval` and each running run's process tree every
 * `monitor.runInterval`; keeps raw samples and per-minute aggregates; derives health with
 * hysteresis; answers the runner's gate; steps adaptive concurrency; reports overruns.
 */
export class Monitor {
  private readonly evaluator: HealthEvaluator
  private readonly trackers = new Map<string, RunTracker>()
  private readonly p95 = new Map<string, number | null>()
  private latestSample: HostSample | null = null
  private gateState = ''
  private hostTimer: NodeJS.Timeout | null = null
  private runTimer: NodeJS.Timeout | null = null
  private lastFlush = 0
  private lastMinute = -1
  private running = false
  private readonly now: () => number

  constructor(private readonly deps: MonitorDeps) {
    this.now = deps.now ?? Date.now
    this.evaluator = new HealthEvaluator(() => deps.config().raw.monitor, this.now())
  }

  start(): void {
    if (this.running) return
    this.running = true
    void this.hostTick()
    void this.runTick()
  }

  stop(): void {
    this.running = false
    if (this.hostTimer) clearTimeout(this.hostTimer)
    if (this.runTimer) clearTimeout(this.runTimer)
    this.flushUsage()
  }

  latest(): HostSample | null {
    return this.latestSample
  }

  health(): Health {
    return this.evaluator.health
  }

  gate(_typeName: string, type: JobTypeConfig): GateBlock | null {
    return gateReason(type, this.latestSample, this.evaluator.health, this.deps.config().raw.monitor)
  }

  /** The runner's effective concurrency and why it is under the maximum; null without a runner's. */
  concurrency(): { limit: number; reason: string | null } | null {
    const adaptive = this.deps.concurrency
    return adaptive ? { limit: adaptive.limit(), reason: adaptive.reason() } : null
  }

  /** Feeds a sample as if measured now; the host loop uses it, and tests drive the gate with it. */
  ingest(sample: HostSample): void {
    const { store, events } = this.deps
    const config = this.deps.config().raw.monitor
    this.latestSample = sample
    store.insertSample(sample)
    const minute = Math.floor(sample.at / MINUTE)
    if (minute !== this.lastMinute) {
      if (this.lastMinute >= 0) {
        store.aggregateMinute(this.lastMinute * MINUTE)
        store.prune(sample.at, config.rawRetention, config.aggregateRetention)
      }
      this.lastMinute = minute
    }
    const changed = this.evaluator.update(sample)
    if (changed) {
      store.saveHealth(changed)
      events.emit('health.changed', { health: changed })
    }
    events.emit('monitor.sample', { sample, health: this.evaluator.health })
    const step = this.deps.concurrency?.observe(sample) ?? null
    if (step) {
      store.insertConcurrencyChange(step)
      events.emit('runner.concurrency', { change: step })
    }
    // After a step the runner looks again even if no type's gate moved.
    if (!this.checkGate() && step) this.deps.onGateChange()
  }

  /** Announces the types the gate holds when that changed; true when it did (the runner was told). */
  private checkGate(): boolean {
    const reasons: Record<string, GateBlock> = {}
    for (const [name, type] of this.deps.config().types) {
      const reason = this.gate(name, type)
      if (reason) reasons[name] = reason
    }
    const state = JSON.stringify(reasons)
    if (state === this.gateState) return false
    this.gateState = state
    this.deps.events.emit('runner.waiting', { reasons })
    this.deps.onGateChange()
    return true
  }

  private async hostTick(): Promise<void> {
    if (!this.running) return
    const started = this.now()
    try {
      const sample = await this.deps.hostSampler.sample()
      // Stopped while sampling: the store may already be closed.
      if (this.running) this.ingest(sample)
    } catch (error) {
      console.error('jobdeck: host sample failed', error)
    }
    if (!this.running) return
    const interval = this.deps.config().raw.monitor.interval
    this.hostTimer = setTimeout(() => void this.hostTick(), Math.max(50, interval - (this.now() - started)))
  }

  private async runTick(): Promise<void> {
    if (!this.running) return
    const started = this.now()
    try {
      await this.sampleRuns()
    } catch (error) {
      console.error('jobdeck: run usage sample failed', error)
    }
    if (!this.running) return
    const interval = this.deps.config().raw.monitor.runInterval
    this.runTimer = setTimeout(() => void this.runTick(), Math.max(50, interval - (this.now() - started)))
  }

  /** Samples every running run's process tree once. */
  async sampleRuns(): Promise<void> {
    const active = this.deps.activeRuns()
    await Promise.all(active.map((run) => this.sampleRun(run)))
    if (this.running && this.now() - this.lastFlush >= USAGE_FLUSH_MS) this.flushUsage()
  }

  private async sampleRun(run: ActiveProcess): Promise<void> {
    if (run.pid === null) return
    let tracker = this.trackers.get(run.runId)
    if (!tracker) {
      tracker = { usage: this.deps.treeUsage(run.pid), peakRssBytes: null, cpuSeconds: null, pending: [], overrunReported: false }
      this.trackers.set(run.runId, tracker)
    }
    const usage = await tracker.usage.sample()
    if (!this.running) return
    if (usage) {
      tracker.peakRssBytes = Math.max(tracker.peakRssBytes ?? 0, usage.rssBytes)
      tracker.cpuSeconds = Math.max(tracker.cpuSeconds ?? 0, usage.cpuSeconds)
      tracker.pending.push({ runId: run.runId, at: usage.at, cpuPercent: usage.cpuPercent, rssBytes: usage.rssBytes })
      this.deps.events.emit('run.usage', {
        runId: run.runId,
        cpuPercent: usage.cpuPercent,
        rssBytes: usage.rssBytes,
        cpuSeconds: tracker.cpuSeconds,
        peakRssBytes: tracker.peakRssBytes,
      })
    }
    this.checkOverrun(run, tracker)
  }

  private checkOverrun(run: ActiveProcess, tracker: RunTracker): void {
    if (tracker.overrunReported) return
    const usual = this.usualDuration(run.type)
    if (usual === null) return
    const elapsed = this.now() - run.startedAt
    const factor = this.deps.config().raw.monitor.overrunFactor
    if (elapsed <= usual * factor) return
    tracker.overrunReported = true
    this.deps.events.emit('run.overrun', { runId: run.runId, jobId: run.jobId, type: run.type, elapsedMs: elapsed, usualMs: usual, factor })
  }

  /** The type's p95 duration over its recent successful runs, or null with too little history. */
  private usualDuration(type: string): number | null {
    if (!this.p95.has(type)) {
      const durations = this.deps.store.recentDurations(type, 100).sort((a, b) => a - b)
      const p95 = durations.length >= OVERRUN_MIN_RUNS ? (durations[Math.ceil(durations.length * 0.95) - 1] ?? null) : null
      this.p95.set(type, p95)
    }
    return this.p95.get(type) ?? null
  }

  /**
   * A run ended: one last sample of its tree if it is still there, its series flushed, and the
   * summary the runner records on the run.
   */
  finishRun(runId: string, type: string): { peakRssBytes: number | null; cpuSeconds: number | null } {
    const tracker = this.trackers.get(runId)
    this.trackers.delete(runId)
    this.p95.delete(type)
    if (!tracker) return { peakRssBytes: null, cpuSeconds: null }
    this.deps.store.insertRunUsage(tracker.pending)
    return { peakRssBytes: tracker.peakRssBytes, cpuSeconds: tracker.cpuSeconds }
  }

  private flushUsage(): void {
    this.lastFlush = this.now()
    const points = [...this.trackers.values()].flatMap((t) => t.pending.splice(0))
    this.deps.store.insertRunUsage(points)
  }
}
