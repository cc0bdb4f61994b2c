// What the timeline store keeps of the engine's answers, and the shapes it turns events into:
// pure, so the store file holds only the store.
import type { MonitorRange } from '../../src-shared/api'
import type { Run, TimelineBuckets, TimelineItem } from '../../src-shared/domain'
import { isStuck } from '../../src-shared/sources'
import { concurrencyMarksOf, type ConcurrencyMark } from '../components/timeline/concurrency-marks'
import type { GroupBy, TimeWindow } from '../components/timeline/gantt-data'

/** What the last answer covered: its window and bucket size. */
export interface LoadedAnswer {
  window: TimeWindow
  bucketMs: number
  total: number
  groupBy: GroupBy
  /** The source filter it was asked with (null: all runs). */
  source: string | null
  sentAt: number
  fetchMs: number
}

/** The answer for the whole range, kept while zoomed in, so zooming back out or moving draws at once. */
export interface RangeAnswer extends LoadedAnswer {
  items: TimelineItem[]
  buckets: TimelineBuckets[]
}

/** `outer` holds all of `inner` (a millisecond of slack for the slider's rounding). */
export function covers(outer: TimeWindow, inner: TimeWindow): boolean {
  return outer.since <= inner.since + 1 && outer.until >= inner.until - 1
}

export interface HostSeries {
  resolution: 'raw' | 'minute'
  /** [at, percent] pairs. */
  cpu: Array<[number, number]>
  memory: Array<[number, number]>
  /** Adaptive concurrency's steps in the window, oldest first (marked on the host strip). */
  concurrency: ConcurrencyMark[]
}

export function hostSeriesOf(monitor: MonitorRange): HostSeries {
  const concurrency = concurrencyMarksOf(monitor.concurrency)
  return monitor.resolution === 'raw'
    ? { resolution: 'raw', cpu: monitor.samples.map((s) => [s.at, s.cpuPercent]), memory: monitor.samples.map((s) => [s.at, s.memory.usedPercent]), concurrency }
    : {
        resolution: 'minute',
        cpu: monitor.minutes.map((m) => [m.minute + 30_000, m.cpu.avg]),
        memory: monitor.minutes.map((m) => [m.minute + 30_000, m.memory.avg]),
        concurrency,
      }
}

export function timelineItemOf(run: Run): TimelineItem {
  const at = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso))
  return {
    id: run.id,
    jobId: run.jobId,
    type: run.type,
    lane: run.lane,
    status: run.status,
    attempt: run.attempt,
    queuedAt: at(run.queuedAt) ?? Date.parse(run.startedAt),
    startedAt: Date.parse(run.startedAt),
    finishedAt: at(run.finishedAt),
    // As timeline.range gives them: only a source run's start that its table did not record, and a stuck flag.
    ...(run.startKind !== 'recorded' ? { startKind: run.startKind } : {}),
    ...(isStuck(run) ? { stuck: true as const } : {}),
  }
}
