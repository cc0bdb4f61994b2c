// The content of `GET /metrics` (issue 17): the Prometheus text format through prom-client, from a
// private registry (no Node default metrics), every name `jobdeck_…`.
//
// Cheap at any history size: a scrape reads the maintained counters (job_counts through
// runner.status, type_stats), the partial indexes of what waits and runs, and state kept in
// memory (monitor sample, connection, sources, scheduler, alert outbox): never a count over the
// history. Run durations are observed, as Prometheus practice has it, from committed run
// finishes this process hears (`run.changed`) since it started: a histogram and a counter that
// only grow, so rate() works, where the history's totals shrink with retention.
import { Counter, Histogram, Registry } from 'prom-client'
import type { Run } from '../../src-shared/domain'
import type { Core } from '../core/core'
import { MetricReads } from '../core/store/sqlite/metric-reads'
import { registerFamilies, type MetricsSnapshot } from './metric-families'
import type { MetricsSource } from './server'

/** One server's /metrics: close() stops hearing run finishes (when the server stops). */
export interface ServedMetrics extends MetricsSource {
  close(): void
}

/** The part of the core /metrics reads. */
export type MetricsCore = Pick<Core, 'api' | 'store' | 'events' | 'runner' | 'scheduler' | 'sources' | 'alerts' | 'link'>

/** Seconds: batch jobs last from under a second to hours. */
export const RUN_DURATION_BUCKETS = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600]
/** The outcomes whose length is the job's (as stats.byType's p95): a cancel or an interruption cuts it short. */
const TIMED_OUTCOMES: ReadonlySet<Run['status']> = new Set(['succeeded', 'partial', 'failed'])
/** Run ids already observed: a finished run's row may change again (late output, a cache correction). */
const SEEN_LIMIT = 10_000

export function createMetrics(core: MetricsCore, options: { now?: () => number } = {}): ServedMetrics {
  const now = options.now ?? Date.now
  const startedAt = now()
  const registry = new Registry()
  const reads = new MetricReads(core.store.db)
  let snapshot: MetricsSnapshot | null = null

  registerFamilies(registry, () => {
    if (!snapshot) throw new Error('metrics collected outside a scrape')
    return snapshot
  }, core.link !== null)
  const finished = new Counter<'type' | 'outcome'>({
    name: 'jobdeck_runs_finished_total',
    help: 'Runs that finished since this process started, by job type and outcome (from committed run finishes; use rate()).',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  })
  const durations = new Histogram<'type'>({
    name: 'jobdeck_run_duration_seconds',
    help: 'How long runs took, per job type: succeeded, partial and failed runs that finished since this process started (observed from committed run finishes).',
    labelNames: ['type'],
    buckets: RUN_DURATION_BUCKETS,
    registers: [registry],
  })
  const seen = new Set<string>()
  const unsubscribe = core.events.on('run.changed', ({ run }) => {
    if (run.status === 'running' || run.finishedAt === null || seen.has(run.id)) return
    const finishedAt = Date.parse(run.finishedAt)
    // The history before this process (a shared cache's pulls bring old finishes too) is the gauges'.
    if (finishedAt < startedAt) return
    seen.add(run.id)
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string)
    finished.inc({ type: run.type, outcome: run.status })
    if (TIMED_OUTCOMES.has(run.status)) durations.observe({ type: run.type }, Math.max(0, finishedAt - Date.parse(run.startedAt)) / 1000)
  })

  async function read(): Promise<MetricsSnapshot> {
    // The same answer `jobdeck status` prints; limit 1: the waiting list itself is not reported.
    const status = await core.api['runner.status']({ limit: 1 })
    const channels = core.alerts.channelNames()
    const pending = core.alerts.deliveries.pendingCount()
    return {
      at: now(),
      status,
      standby: core.runner() === null,
      outcomes: reads.typeOutcomes(),
      lanes: reads.lanes(),
      sources: core.sources.list(),
      fires: core.scheduler()?.firesRecorded() ?? [],
      alerts: { pending, waiting: core.alerts.deliveries.unsentCount(channels) - pending },
    }
  }

  // Scrapes that arrive while one is being read share its answer: one snapshot at a time.
  let inFlight: Promise<string> | null = null
  async function scrape(): Promise<string> {
    snapshot = await read()
    return registry.metrics()
  }
  return {
    contentType: registry.contentType,
    text() {
      inFlight ??= scrape().finally(() => {
        inFlight = null
      })
      return inFlight
    },
    close: unsubscribe,
  }
}
