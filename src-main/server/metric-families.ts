// The metric families of /metrics, each set from one snapshot read at the start of the scrape
// (metrics.ts), so the numbers of one scrape agree with each other. A gauge is reset before it is
// set: a lane that emptied or a source removed from the config leaves no stale series.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { RunnerStatus } from '../../src-shared/domain'
import type { FireOutcome } from '../../src-shared/schedules'
import type { SourceInfo } from '../../src-shared/sources'
import type { LaneDepth, TypeOutcomes } from '../core/store/sqlite/metric-reads'

/** Everything one scrape reports, read once. */
export interface MetricsSnapshot {
  at: number
  status: RunnerStatus
  /** This process runs no runner (another holds the data dir, or none does). */
  standby: boolean
  outcomes: TypeOutcomes[]
  lanes: LaneDepth[]
  sources: SourceInfo[]
  fires: Array<{ schedule: string; outcome: FireOutcome; count: number }>
  alerts: { waiting: number; pending: number }
}

const RUN_OUTCOMES = ['succeeded', 'partial', 'failed', 'canceled', 'interrupted'] as const
export const RUNNER_STATES = ['running', 'paused', 'draining', 'standby'] as const

/** A label-less gauge shows 0 after its reset unless removed: with nothing to say, it has no series. */
function setOrNone(g: Gauge<string>, value: number | null | undefined): void {
  if (value === null || value === undefined) g.remove()
  else g.set(value)
}

/** One of RUNNER_STATES: standby over paused over draining over running. */
export function runnerState(snapshot: Pick<MetricsSnapshot, 'status' | 'standby'>): (typeof RUNNER_STATES)[number] {
  if (snapshot.standby) return 'standby'
  if (snapshot.status.paused) return 'paused'
  if (snapshot.status.draining) return 'draining'
  return 'running'
}

const ageSeconds = (at: number, iso: string | null): number | null => (iso === null ? null : Math.max(0, (at - Date.parse(iso)) / 1000))

/** A gauge whose series are all set from the snapshot on each collect. */
function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], set: (g: Gauge<L>) => void): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset()
      set(this)
    },
  })
}

/** `shared`: the core is in shared mode (fixed for its life); local mode has no shared-database families. */
export function registerFamilies(registry: Registry, read: () => MetricsSnapshot, shared: boolean): void {
  gauge(registry, 'jobdeck_jobs', "Jobdeck's own jobs by status, from the maintained counters (what `jobdeck status` counts).", ['status'], (g) => {
    for (const [status, n] of Object.entries(read().status.counts)) g.set({ status }, n)
  })
  gauge(registry, 'jobdeck_runs', 'Finished runs kept in the history by job type and outcome, from the maintained per-type counters (what stats.byType counts; retention lowers it).', ['type', 'outcome'], (g) => {
    for (const row of read().outcomes) for (const outcome of RUN_OUTCOMES) g.set({ type: row.type, outcome }, row[outcome])
  })
  gauge(registry, 'jobdeck_queue_depth', "Jobdeck's own jobs waiting (queued or retrying) per lane.", ['lane'], (g) => {
    for (const lane of read().lanes) if (lane.waiting > 0) g.set({ lane: lane.lane }, lane.waiting)
  })
  gauge(registry, 'jobdeck_lane_running', "Jobdeck's own runs running per lane.", ['lane'], (g) => {
    for (const lane of read().lanes) if (lane.running > 0) g.set({ lane: lane.lane }, lane.running)
  })
  registerRunner(registry, read)
  registerHost(registry, read)
  if (shared) registerShared(registry, read)
  registerSources(registry, read)
  new Counter<'schedule' | 'outcome'>({
    name: 'jobdeck_schedule_fires_total',
    help: "Schedule fires this process's scheduler recorded since it started, by outcome (missed: judged missed after downtime or sleep). Manual runs (schedules.runNow) are not counted.",
    labelNames: ['schedule', 'outcome'],
    registers: [registry],
    collect() {
      this.reset()
      for (const fire of read().fires) this.inc({ schedule: fire.schedule, outcome: fire.outcome }, fire.count)
    },
  })
  gauge(registry, 'jobdeck_alert_outbox_depth', 'Alerts not yet sent: waiting to be grouped into a delivery, and deliveries pending (being tried or backing off).', ['stage'], (g) => {
    const { waiting, pending } = read().alerts
    g.set({ stage: 'waiting' }, waiting)
    g.set({ stage: 'pending' }, pending)
  })
}

function registerRunner(registry: Registry, read: () => MetricsSnapshot): void {
  gauge(registry, 'jobdeck_runner_state', "This process's runner: exactly one state is 1 (standby: another process runs the jobs, or none does; paused: the queue is paused; draining: taking no new jobs).", ['state'], (g) => {
    const state = runnerState(read())
    for (const each of RUNNER_STATES) g.set({ state: each }, each === state ? 1 : 0)
  })
  gauge(registry, 'jobdeck_runner_concurrency', 'The effective limit of concurrent runs (adaptive concurrency may hold it under the maximum).', [], (g) => {
    g.set(read().status.limits.concurrency)
  })
  gauge(registry, 'jobdeck_runner_concurrency_max', 'The configured maximum of concurrent runs.', [], (g) => {
    g.set(read().status.limits.maxConcurrency)
  })
}

/** Before the first sample (a runner's monitor samples every second) the host has no series. */
function registerHost(registry: Registry, read: () => MetricsSnapshot): void {
  const health = (): RunnerStatus['health'] => read().status.health
  gauge(registry, 'jobdeck_host_health', "The host's health level as the monitor judged it last: exactly one level is 1 (no series before the first sample).", ['level'], (g) => {
    const level = health()?.level
    if (level) for (const each of ['healthy', 'warning', 'critical'] as const) g.set({ level: each }, each === level ? 1 : 0)
  })
  gauge(registry, 'jobdeck_host_cpu_percent', 'Host CPU busy, percent, at the last sample.', [], (g) => {
    setOrNone(g, health()?.cpu)
  })
  gauge(registry, 'jobdeck_host_memory_used_percent', 'Host memory in use, percent, at the last sample.', [], (g) => {
    setOrNone(g, health()?.memory.usedPercent)
  })
  gauge(registry, 'jobdeck_host_memory_available_bytes', 'Host memory available, bytes, at the last sample.', [], (g) => {
    setOrNone(g, health()?.memory.availableBytes)
  })
  gauge(registry, 'jobdeck_host_memory_total_bytes', 'Host memory in total, bytes.', [], (g) => {
    setOrNone(g, health()?.memory.totalBytes)
  })
  gauge(registry, 'jobdeck_host_disk_used_percent', 'Disk in use, percent, of the data dir and the job working dirs.', ['path'], (g) => {
    for (const disk of health()?.disk ?? []) g.set({ path: disk.path }, disk.usedPercent)
  })
  gauge(registry, 'jobdeck_host_disk_free_bytes', 'Disk free, bytes, of the data dir and the job working dirs.', ['path'], (g) => {
    for (const disk of health()?.disk ?? []) g.set({ path: disk.path }, disk.freeBytes)
  })
}

/** Shared mode only. */
function registerShared(registry: Registry, read: () => MetricsSnapshot): void {
  gauge(registry, 'jobdeck_shared_database_up', 'Shared mode: 1 while the shared PostgreSQL database is reachable.', [], (g) => {
    g.set(read().status.connection.status === 'online' ? 1 : 0)
  })
  gauge(registry, 'jobdeck_cache_sync_age_seconds', "Shared mode: seconds since this instance's SQLite cache last caught up with the database (a pull runs every 2 s and on each NOTIFY, so more means the cache lags; no series before the first).", [], (g) => {
    const { at, status } = read()
    setOrNone(g, ageSeconds(at, status.connection.lastSyncAt))
  })
  gauge(registry, 'jobdeck_outbox_depth', 'Shared mode: results, enqueues and fires made while the database was unreachable, waiting in the local outbox to be pushed.', [], (g) => {
    g.set(read().status.connection.outboxPending)
  })
}

function registerSources(registry: Registry, read: () => MetricsSnapshot): void {
  gauge(registry, 'jobdeck_source_up', "1 while a source (another system's job table) is reachable and mirrored.", ['source'], (g) => {
    for (const s of read().sources) g.set({ source: s.name }, s.status === 'online' ? 1 : 0)
  })
  gauge(registry, 'jobdeck_source_sync_age_seconds', "Seconds since a source's last poll reached its table (its lag; a poll runs every `poll:`).", ['source'], (g) => {
    const { at, sources } = read()
    for (const s of sources) {
      const age = ageSeconds(at, s.lastSyncAt)
      if (age !== null) g.set({ source: s.name }, age)
    }
  })
  gauge(registry, 'jobdeck_source_jobs', "A source's mirrored rows waiting, running, and running past stuckAfter (stuck).", ['source', 'state'], (g) => {
    for (const s of read().sources) {
      g.set({ source: s.name, state: 'waiting' }, s.queued)
      g.set({ source: s.name, state: 'running' }, s.running)
      g.set({ source: s.name, state: 'stuck' }, s.stuck)
    }
  })
}
