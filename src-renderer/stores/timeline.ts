// The timeline: runs of a chosen range (on open, the range that fits the recent runs), re-queried
// for exactly the visible window as the operator zooms unless the answer already here covers it
// finely enough (bucketMs = one pixel of the plot, so the engine lists runs at least a pixel long
// and counts the rest per pixel), host CPU/memory for the same window, live updates from `run.changed`
// applied in place (throttled), and a 1 s clock while anything runs so running bars grow without
// a refetch. With schedules, a live range also reaches ahead of now (timeline-ahead.ts: the
// fires drawn there, and the conflicts they predict). Subscribed while the view is open (start/stop).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { TimelineBuckets, TimelineExtent, TimelineItem, TimelinePage } from '../../src-shared/domain'
import {
  bucketMsFor,
  findOverlaps,
  laneLimit,
  mergeRows,
  overlapsWindow,
  rowKeyOf,
  type GroupBy,
  type Overlap,
  type TimeWindow,
  type WaitingBar,
} from '../components/timeline/gantt-data'
import { findSourceOverlaps } from '../components/timeline/source-overlaps'
import { clampWindow, FIT_LOOKBACK_MS, fitSpan, sameWindow } from '../components/timeline/gantt-zoom'
import { useAccess } from '../composables/access'
import { waitReasonText } from '../wording'
import { call, on } from '../ipc'
import { useConfigStore } from './config'
import { throttleTrailing } from './debounce'
import { useRunnerStore } from './runner'
import { useTimelineAheadStore, type AheadChoice } from './timeline-ahead'
import { OWN_RUNS } from '../../src-shared/sources'
import { headroomMs, liveRange, presetMs, type RangeChoice, type RangePreset } from './timeline-range'
import { covers, hostSeriesOf, timelineItemOf, type HostSeries, type LoadedAnswer, type RangeAnswer } from './timeline-answers'
import { concurrencyMarksOf } from '../components/timeline/concurrency-marks'

export { covers, hostSeriesOf, timelineItemOf, type HostSeries, type LoadedAnswer } from './timeline-answers'

export {
  headroomMs,
  LIVE_HEADROOM,
  liveRange,
  MIN_HEADROOM_MS,
  PRESETS,
  presetMs,
  presetRange,
  type RangeChoice,
  type RangePreset,
} from './timeline-range'

/** Never more than this many individual runs per render (ECharts budget); the rest are counted per pixel. */
export const MAX_ITEMS = 5000
/** Quiet time after a zoom/pan gesture before the trailing re-query. */
export const WINDOW_DEBOUNCE_MS = 150
/** Live `run.changed` updates are applied at most this often. */
export const LIVE_FLUSH_MS = 250
/** Smallest zoom window. */
export const MIN_WINDOW_MS = 10_000
/**
 * A zoom is drawn from an answer already here while its buckets are at most this many times
 * a pixel of the new window; only a deeper zoom asks the engine again. One wheel notch of a
 * day of 100k runs would otherwise wait ~200 ms for a re-query that draws the same picture.
 */
export const COARSEST_BUCKET = 2

/** A run of `runSource` (null: Jobdeck's own) is drawn under the filter `only`. */
function ofSource(runSource: string | null, only: string | null): boolean {
  return only === null || (only === OWN_RUNS ? runSource === null : runSource === only)
}

export const useTimelineStore = defineStore('timeline', () => {
  const preset = ref<RangeChoice>('fit')
  /** The span the last fit chose; the fit range follows now with it, as a preset does. */
  const fitMs = ref(86_400_000)
  const groupBy = ref<GroupBy>('type')
  /** Only one source's runs, `-` (OWN_RUNS) for Jobdeck's own, or null for all. */
  const source = ref<string | null>(null)
  const range = shallowRef<TimeWindow>(liveRange(fitMs.value, Date.now()))
  /** The visible window (the dataZoom), always inside `range`. */
  const view = shallowRef<TimeWindow>(range.value)
  const plotWidth = ref(1000)
  /** What the last answer covered: its window and bucket size. */
  const loaded = shallowRef<LoadedAnswer | null>(null)
  let rangeAnswer: RangeAnswer | null = null
  const items = shallowRef<TimelineItem[]>([])
  const buckets = shallowRef<TimelineBuckets[]>([])
  /** Rows seen in this range and grouping: stable while zooming, so rows do not jump. */
  const rows = shallowRef<readonly string[]>([])
  const host = shallowRef<HostSeries>({ resolution: 'raw', cpu: [], memory: [], concurrency: [] })
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** Wall clock for running bars; ticks each second only while something runs. */
  const now = ref(Date.now())

  const config = useConfigStore()
  const runner = useRunnerStore()
  const { can } = useAccess()
  const ahead = useTimelineAheadStore()

  let seq = 0
  let started = false
  let unsubscribe: Array<() => void> = []
  let ticker: ReturnType<typeof setInterval> | null = null
  let windowTimer: ReturnType<typeof setTimeout> | null = null
  let lastQueryAt = 0
  let inFlight = 0
  const pending = new Map<string, TimelineItem>()

  const hasRunning = computed(() => items.value.some((i) => i.finishedAt === null))
  /** Zoomed in: the view is narrower than the range, and no preset describes it. */
  const zoomed = computed(() => !sameWindow(view.value, range.value))
  /** The range button to mark: none while zoomed. */
  const activePreset = computed<RangeChoice | null>(() => (zoomed.value ? null : preset.value))
  const isLive = computed(() => preset.value !== 'custom')
  const lanes = computed(() => config.info?.lanes ?? {})
  // The same array back while nothing changed (the clock ticks it), so the chart keeps its layers.
  let lastOverlaps: Overlap[] = []
  const overlaps = computed(() => {
    const lanesOver = findOverlaps(items.value, (lane) => laneLimit(lanes.value, lane), now.value)
    const across = findSourceOverlaps(items.value, now.value)
    const next = across.length ? [...lanesOver, ...across].sort((a, b) => a.start - b.start) : lanesOver
    const same =
      next.length === lastOverlaps.length &&
      next.every((o, i) => {
        const p = lastOverlaps[i] as Overlap
        return p.lane === o.lane && p.start === o.start && p.end === o.end && p.peak === o.peak && p.runIds.length === o.runIds.length
      })
    if (!same) lastOverlaps = next
    return lastOverlaps
  })

  /**
   * Jobs waiting now (queued, or retrying after a failed attempt): drawn as outlines where they
   * would run. Independent of the clock (ends at "now" are NaN, resolved when drawn), so the 1 s
   * tick does not rebuild them.
   */
  let lastWaiting: WaitingBar[] = []
  const waiting = computed<WaitingBar[]>(() => {
    const t = Date.now()
    const next: WaitingBar[] =
      view.value.since <= t && t <= view.value.until + 60_000
        ? runner.queued.slice(0, 500).map((job) => {
            const runAfter = job.runAfter === null ? null : Date.parse(job.runAfter)
            const retrying = job.status === 'retrying' && runAfter !== null && runAfter > t
            return {
              id: job.id,
              type: job.type,
              lane: job.lane,
              status: retrying ? 'retrying' : 'queued',
              start: retrying ? NaN : Date.parse(job.createdAt),
              end: retrying ? (runAfter as number) : NaN,
              reason: waitReasonText(job.waitReason, can),
            }
          })
        : []
    // The same array back when nothing changed (zooming re-evaluates this), so the chart keeps its layers.
    const same =
      next.length === lastWaiting.length &&
      next.every((w, i) => {
        const p = lastWaiting[i] as WaitingBar
        return p.id === w.id && p.status === w.status && p.end === w.end && p.reason === w.reason
      })
    if (!same) lastWaiting = next
    return lastWaiting
  })

  /**
   * Every overlap seen in this range and grouping, so the list does not shrink as the operator
   * zooms into one of them (the window's runs hold only the overlaps inside it). A fresher sighting
   * of the same span (same lane, intersecting) replaces the older one.
   */
  const overlapList = shallowRef<Overlap[]>([])
  watch(overlaps, (fresh) => {
    if (fresh.length === 0) return
    const next = overlapList.value.slice()
    let changed = false
    for (const o of fresh) {
      const i = next.findIndex((k) => k.lane === o.lane && k.start < o.end && o.start < k.end)
      if (i === -1) next.push(o)
      else if (next[i] !== o) next[i] = o
      else continue
      changed = true
    }
    if (changed) overlapList.value = next.sort((a, b) => a.start - b.start)
  })

  const allRows = computed(() => mergeRows(rows.value, [...waiting.value, ...ahead.upcoming].map((w) => rowKeyOf(w, groupBy.value))))

  /** Loads the visible window; with a `gate`, its answer is drawn only if the gate says so (see fit). */
  async function fetchWindow(gate?: Promise<boolean>): Promise<void> {
    const window = view.value
    const bucketMs = bucketMsFor(window, plotWidth.value)
    const group = groupBy.value
    const only = source.value
    const mine = ++seq
    const sentAt = performance.now()
    inFlight++
    loading.value = true
    // The host series is small and quick: asked first, applied on its own, so the runs (the
    // larger answer) are drawn the moment they arrive rather than after both.
    // Raw samples are only kept for the last hour or so: older windows need the per-minute aggregates.
    const rawSince = Date.now() - (config.info?.monitor.rawRetention ?? 3_600_000)
    const resolution = window.since >= rawSince && window.until - window.since <= 3_600_000 ? 'raw' : 'minute'
    void call('monitor.range', { since: window.since, until: Math.min(window.until, Date.now()), resolution }).then(
      (monitor) => {
        if (mine === seq) host.value = hostSeriesOf(monitor)
      },
      () => {},
    )
    try {
      const page = await call('timeline.range', { since: window.since, until: window.until, groupBy: group, bucketMs, maxItems: MAX_ITEMS, ...(only !== null ? { source: only } : {}) })
      if (gate && !(await gate)) return
      if (mine !== seq) return
      apply(page, window, bucketMs, sentAt, only)
      error.value = null
    } catch (e) {
      if (mine === seq) error.value = `Could not load the timeline: ${(e as Error).message}`
    } finally {
      inFlight--
      if (mine === seq) loading.value = false
    }
  }

  function apply(page: TimelinePage, window: TimeWindow, bucketMs: number, sentAt: number, only: string | null): void {
    // The view moved on to where this answer does not reach (drawn from another one meanwhile).
    if (!covers(window, view.value)) return
    // Live updates that arrived while the query was on its way are newer than the answer.
    const merged = page.items.slice()
    if (pending.size) mergeInto(merged, window)
    items.value = merged
    buckets.value = page.buckets
    rows.value = mergeRows(rows.value, [...page.rows, ...merged.map((i) => rowKeyOf(i, groupBy.value))])
    loaded.value = { window, bucketMs, total: page.total, groupBy: page.groupBy, source: only, sentAt, fetchMs: performance.now() - sentAt }
    if (sameWindow(window, range.value)) rangeAnswer = { ...loaded.value, items: merged, buckets: page.buckets }
    now.value = Date.now()
    syncTicker()
  }

  /** Draws the whole range's answer again (zoomed back out, or moved outside the last window). */
  function showWhole(answer: RangeAnswer): void {
    items.value = answer.items
    buckets.value = answer.buckets
    loaded.value = { window: answer.window, bucketMs: answer.bucketMs, total: answer.total, groupBy: answer.groupBy, source: answer.source, sentAt: answer.sentAt, fetchMs: answer.fetchMs }
  }

  /** Applies pending live items to `list` in place (and forgets them, unless `keep`); returns whether anything changed. */
  function mergeInto(list: TimelineItem[], window: TimeWindow, keep = false): boolean {
    if (pending.size === 0) return false
    const t = Date.now()
    const at = new Map<string, number>()
    list.forEach((item, i) => at.set(item.id, i))
    let changed = false
    for (const item of pending.values()) {
      const i = at.get(item.id)
      if (i !== undefined) {
        list[i] = item
        changed = true
      } else if (overlapsWindow(item, window, t)) {
        list.push(item)
        changed = true
      }
    }
    if (!keep) pending.clear()
    return changed
  }

  const flushLive = throttleTrailing(() => {
    // The kept range answer hears the same updates, so zooming back out shows them.
    const kept = rangeAnswer
    const shown = kept !== null && kept.items === items.value
    if (kept && !shown) {
      const list = kept.items.slice()
      if (mergeInto(list, kept.window, true)) rangeAnswer = { ...kept, items: list }
    }
    const next = items.value.slice()
    if (!mergeInto(next, view.value)) return
    if (kept && shown) rangeAnswer = { ...kept, items: next }
    items.value = next
    rows.value = mergeRows(rows.value, next.map((i) => rowKeyOf(i, groupBy.value)))
    now.value = Date.now()
    syncTicker()
  }, LIVE_FLUSH_MS)

  function tick(): void {
    const t = Date.now()
    // A live range moves on once now passes its headroom (the stretch ahead is drawn anew with it).
    if (isLive.value && preset.value !== 'custom' && t > range.value.since + behindMs() + headroomMs(behindMs())) {
      reanchor(t)
      return
    }
    if (hasRunning.value || waiting.value.length > 0) now.value = t
    else syncTicker()
  }

  /** Keeps the 1 s clock going while anything runs or the range follows now; stops it otherwise. */
  function syncTicker(): void {
    const wanted = started && (hasRunning.value || isLive.value)
    if (wanted && !ticker) ticker = setInterval(tick, 1000)
    else if (!wanted && ticker) {
      clearInterval(ticker)
      ticker = null
    }
  }

  /** A live preset whose end has passed moves forward; a zoomed-in window stays where it is. */
  function reanchor(t: number): void {
    if (preset.value === 'custom') return
    const old = range.value
    const whole = view.value.since <= old.since && view.value.until >= old.until
    rangeAnswer = null
    range.value = rangeOf(preset.value, t)
    view.value = whole ? range.value : clampWindow(view.value, range.value, MIN_WINDOW_MS)
    now.value = t
    void fetchWindow()
    void ahead.load(range.value)
  }

  /** How far back the live range looks. */
  function behindMs(): number {
    return preset.value === 'fit' || preset.value === 'custom' ? fitMs.value : presetMs(preset.value)
  }

  function rangeOf(choice: 'fit' | RangePreset, t: number): TimeWindow {
    const ms = choice === 'fit' ? fitMs.value : presetMs(choice)
    return liveRange(ms, t, ahead.msFor(ms))
  }

  /** A new range: its runs, and (unless `withAhead` is false: the caller asks later) what lies ahead. */
  function resetRange(next: TimeWindow, gate?: Promise<boolean>, withAhead = true): void {
    rangeAnswer = null
    overlapList.value = []
    range.value = next
    view.value = next
    rows.value = []
    items.value = []
    buckets.value = []
    loaded.value = null
    now.value = Date.now()
    cancelWindowTimer()
    void fetchWindow(gate)
    if (withAhead) void ahead.load(next)
    syncTicker()
  }

  function setPreset(next: RangePreset): void {
    fitSeq++
    preset.value = next
    resetRange(rangeOf(next, Date.now()))
  }

  /** How far ahead of now the range reaches; a live range is drawn anew, a custom one keeps its dates. */
  function setAhead(next: AheadChoice): void {
    ahead.choice = next
    if (preset.value === 'custom') void ahead.load(range.value)
    else resetRange(rangeOf(preset.value, Date.now()))
  }
  // The config named its schedules only after the range was drawn (the view opened first): room ahead.
  watch(
    () => ahead.configured,
    () => {
      if (started && ahead.choice === 'auto') setAhead('auto')
    },
  )

  let fitSeq = 0
  /**
   * Asks where the recent runs are and opens the live range that fits them (see fitSpan). If
   * the engine cannot say, the last day, as before.
   */
  async function fit(): Promise<void> {
    const mine = ++fitSeq
    preset.value = 'fit'
    // The last day is asked for at once, beside where the runs are: on a busy install the fit
    // is that day, and its answer (the slow one) must not wait behind the extent's round trip.
    // It is drawn only once the fit says the day it is.
    const t0 = Date.now()
    let decide: (keep: boolean) => void = () => {}
    const keepDay = new Promise<boolean>((resolve) => (decide = resolve))
    fitMs.value = FIT_LOOKBACK_MS
    resetRange(liveRange(FIT_LOOKBACK_MS, t0, ahead.msFor(FIT_LOOKBACK_MS)), keepDay, false)
    let extent: TimelineExtent | null = null
    try {
      const asked = call('timeline.extent', { since: t0 - FIT_LOOKBACK_MS })
      // The fires ahead after the extent: the engine answers in turn, and the fit must not wait for them.
      void ahead.load(range.value)
      extent = await asked
    } catch {
      extent = null
    }
    const span = extent ? fitSpan(extent, t0) : FIT_LOOKBACK_MS
    const keep = mine === fitSeq && started && span >= FIT_LOOKBACK_MS
    decide(keep)
    if (keep || mine !== fitSeq || !started) return
    fitMs.value = span
    resetRange(rangeOf('fit', Date.now()))
  }

  function setCustom(since: number, until: number): void {
    if (!(until > since)) return
    fitSeq++
    preset.value = 'custom'
    resetRange({ since, until: Math.max(until, since + MIN_WINDOW_MS) })
  }

  function setGroupBy(next: GroupBy): void {
    if (groupBy.value === next) return
    groupBy.value = next
    rangeAnswer = null
    rows.value = []
    // Overlaps are per lane whatever the rows are: the list stays.
    cancelWindowTimer()
    void fetchWindow()
  }

  /** Draws one source's runs only (`-`: Jobdeck's own), or all with null: asked again, as a new grouping is. */
  function setSource(next: string | null): void {
    if (source.value === next) return
    source.value = next
    rangeAnswer = null
    rows.value = []
    cancelWindowTimer()
    void fetchWindow()
  }

  function cancelWindowTimer(): void {
    if (windowTimer) clearTimeout(windowTimer)
    windowTimer = null
  }

  /** Whether `answer` can draw `window` as it is: it covers it, in this grouping, with buckets at most COARSEST_BUCKET pixels. */
  function serves(answer: LoadedAnswer | null, window: TimeWindow, width: number): boolean {
    return answer !== null && answer.groupBy === groupBy.value && answer.source === source.value && covers(answer.window, window) && answer.bucketMs <= COARSEST_BUCKET * bucketMsFor(window, width)
  }

  /**
   * The chart's visible window changed (zoom, pan, resize). It is drawn at once from the answer
   * already here when that covers it finely enough (or from the whole range's, while the finer
   * one is asked for). Otherwise the first change after a quiet spell queries at once, so a
   * single zoom redraws without waiting; a gesture's stream of changes ends in one trailing
   * query ~150 ms after it stops.
   */
  function setWindow(window: TimeWindow, widthPx: number): void {
    const next = clampWindow(window, range.value, MIN_WINDOW_MS)
    const width = Math.max(1, Math.round(widthPx))
    view.value = next
    plotWidth.value = width
    if (serves(loaded.value, next, width)) {
      cancelWindowTimer()
      return
    }
    if (rangeAnswer && (!loaded.value || !covers(loaded.value.window, next)) && covers(rangeAnswer.window, next)) showWhole(rangeAnswer)
    if (serves(loaded.value, next, width)) {
      cancelWindowTimer()
      return
    }
    const t = Date.now()
    if (!windowTimer && inFlight === 0 && t - lastQueryAt >= WINDOW_DEBOUNCE_MS) {
      lastQueryAt = t
      void fetchWindow()
      return
    }
    cancelWindowTimer()
    windowTimer = setTimeout(() => {
      windowTimer = null
      lastQueryAt = Date.now()
      void fetchWindow()
    }, WINDOW_DEBOUNCE_MS)
  }

  /** Subscribes and loads; the view calls it on mount with its plot width. */
  function start(widthPx?: number): void {
    if (widthPx) plotWidth.value = Math.max(1, Math.round(widthPx))
    if (started) return
    started = true
    config.start()
    const opening = preset.value
    unsubscribe = [
      on('run.changed', ({ run }) => {
        if (!ofSource(run.source, source.value)) return
        pending.set(run.id, timelineItemOf(run))
        flushLive()
      }),
      // Schedules edited: their fires ahead are read again (schedules added or all removed re-range, see the watch).
      on('config.changed', () => void ahead.load(range.value)),
      on('monitor.sample', ({ sample }) => {
        const current = host.value
        if (current.resolution !== 'raw' || sample.at < view.value.since || sample.at > view.value.until) return
        host.value = {
          resolution: 'raw',
          cpu: [...current.cpu, [sample.at, sample.cpuPercent]],
          memory: [...current.memory, [sample.at, sample.memory.usedPercent]],
          concurrency: current.concurrency,
        }
      }),
      // Adaptive concurrency stepped: marked on the host strip while the window shows now.
      on('runner.concurrency', ({ change }) => {
        const [mark] = concurrencyMarksOf([change])
        if (!mark || mark.t < view.value.since || mark.t > view.value.until) return
        host.value = { ...host.value, concurrency: [...host.value.concurrency, mark] }
      }),
    ]
    lastQueryAt = Date.now()
    if (opening === 'fit') void fit()
    else {
      if (opening !== 'custom') {
        range.value = rangeOf(opening, Date.now())
        view.value = range.value
      }
      void fetchWindow()
      void ahead.load(range.value)
    }
    syncTicker()
  }

  function stop(): void {
    started = false
    ahead.stop()
    for (const off of unsubscribe) off()
    unsubscribe = []
    cancelWindowTimer()
    syncTicker()
  }

  return {
    preset,
    activePreset,
    zoomed,
    fitMs,
    groupBy,
    source,
    range,
    view,
    plotWidth,
    loaded,
    items,
    buckets,
    rows: allRows,
    host,
    loading,
    error,
    now,
    hasRunning,
    overlaps,
    overlapList,
    waiting,
    start,
    stop,
    setPreset,
    setAhead,
    fit,
    setCustom,
    setGroupBy,
    setSource,
    setWindow,
    refresh: fetchWindow,
  }
})
