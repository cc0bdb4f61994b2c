// A tiny hook for the timeline benchmark (bench/timeline-chromium.ts): each time the chart has
// painted new data, when (performance.now()), why, and what it drew; plus the chart instance so
// the benchmark can dispatch a zoom. `performance.mark`s of the same names for the profiler.
import type { ECharts } from '../charts/echarts'

export interface TimelinePaint {
  at: number
  reason: string
  since: number
  until: number
  items: number
  blocks: number
  /** When the query was sent (performance.now()), and how long until its answer. */
  sentAt: number
  fetchMs: number
  /** From setOption (or the zoom) to ECharts' `finished`. */
  renderMs: number
  /** Upcoming fires of schedules ahead of now (ghost bars). */
  ahead: number
  /** What was drawn ahead of now: rects per layer (`ahead:known`, `conflict:marker`, `mark:missed` …). */
  aheadLayers: Record<string, number>
  /** What the runs' scene drew: rects per layer (`bar:failed`, `start:observed`, `stuck`, `overlap:wash` …). */
  layers: Record<string, number>
  /**
   * Drawn from an answer asked for exactly this window; false when a zoom was drawn from an
   * answer already here (a wider window, buckets still under COARSEST_BUCKET pixels).
   */
  exact: boolean
}

export interface TimelinePerf {
  paints: TimelinePaint[]
  chart: ECharts | null
  /** When the view was last set up and its chart mounted (performance.now()). */
  setupAt: number
  mountedAt: number
}

/** Shared with other views' hooks (History keeps its own key), so no global type is declared here. */
function perfRoot(): { timeline?: TimelinePerf } {
  const w = window as unknown as { __jobdeckPerf?: { timeline?: TimelinePerf } }
  return (w.__jobdeckPerf ??= {})
}

export function timelinePerf(): TimelinePerf {
  const root = perfRoot()
  return (root.timeline ??= { paints: [], chart: null, setupAt: 0, mountedAt: 0 })
}

export function markStep(step: 'setupAt' | 'mountedAt'): void {
  timelinePerf()[step] = performance.now()
  performance.mark(`jobdeck:timeline:${step}`)
}

export function recordPaint(paint: Omit<TimelinePaint, 'at'>): void {
  const perf = timelinePerf()
  perf.paints.push({ ...paint, at: performance.now() })
  if (perf.paints.length > 50) perf.paints.splice(0, perf.paints.length - 50)
  performance.mark(`jobdeck:timeline:painted:${paint.reason}`)
}
