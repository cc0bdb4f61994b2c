// What the Timeline shows ahead of now: how far ahead (the operator's choice, or by default a
// quarter of the span behind now, 15 min to 24 h, when the config has schedules and none when
// it has not), the schedules' upcoming fires in that stretch (schedules.forecast), the fires of
// the range that were skipped or missed (schedules.fires), and the conflicts predicted from the
// fires and the runs running now (forecast.ts). The timeline store asks it how far ahead a range
// reaches and to load what a range shows.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { PredictedConflict, RunningNow, Upcoming } from '../components/timeline/forecast'
import { predictConflicts, upcomingOf } from '../components/timeline/forecast'
import type { TimeWindow } from '../components/timeline/gantt-data'
import { call } from '../ipc'
import { useConfigStore } from './config'
import { useRunnerStore } from './runner'
import type { ScheduleFire } from '../../src-shared/schedules'

export type AheadChoice = 'auto' | 'off' | '1h' | '6h' | '24h'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

export const AHEAD_CHOICES: ReadonlyArray<{ key: Exclude<AheadChoice, 'auto'>; label: string; ms: number }> = [
  { key: 'off', label: 'None', ms: 0 },
  { key: '1h', label: '1h', ms: HOUR },
  { key: '6h', label: '6h', ms: 6 * HOUR },
  { key: '24h', label: '24h', ms: 24 * HOUR },
]

/** By default the future takes a quarter of the span behind now, within these bounds. */
export const AUTO_AHEAD_SHARE = 0.25
export const AUTO_AHEAD_MIN_MS = 15 * MINUTE
export const AUTO_AHEAD_MAX_MS = 24 * HOUR
/** Skipped and missed fires drawn on the axis, per outcome, at most. */
export const MARK_LIMIT = 1000
/** The clock that moves fires from ahead of now into the past. */
export const AHEAD_TICK_MS = 5000

export function autoAheadMs(behindMs: number): number {
  return Math.min(AUTO_AHEAD_MAX_MS, Math.max(AUTO_AHEAD_MIN_MS, Math.round(behindMs * AUTO_AHEAD_SHARE)))
}

/** Index of the first fire at or after `t` in fires sorted by time. */
export function firstAtOrAfter(fires: readonly Upcoming[], t: number): number {
  let lo = 0
  let hi = fires.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((fires[mid] as Upcoming).at < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

export const useTimelineAheadStore = defineStore('timelineAhead', () => {
  const choice = ref<AheadChoice>('auto')
  const config = useConfigStore()
  const runner = useRunnerStore()
  /** All fires of the loaded stretch ahead, by time. */
  const forecast = shallowRef<Upcoming[]>([])
  const marks = shallowRef<ScheduleFire[]>([])
  const error = ref<string | null>(null)
  const now = ref(Date.now())
  let seq = 0
  let ticker: ReturnType<typeof setInterval> | null = null

  /** Whether the config has schedules (config.get names them). */
  const configured = computed(() => (config.info?.schedules?.length ?? 0) > 0)

  /** How far ahead of now a live range reaches when it looks `behindMs` back. */
  function msFor(behindMs: number): number {
    if (choice.value === 'auto') return configured.value ? autoAheadMs(behindMs) : 0
    return AHEAD_CHOICES.find((c) => c.key === choice.value)?.ms ?? 0
  }

  /** Whether anything is drawn ahead of now (by choice, or by default when there are schedules). */
  const active = computed(() => (choice.value === 'auto' ? configured.value : choice.value !== 'off'))

  /** Loads the fires ahead of now within `window`, and the skipped and missed ones behind it. */
  async function load(window: TimeWindow): Promise<void> {
    const mine = ++seq
    const t = Date.now()
    now.value = t
    const wantAhead = active.value && window.until > t
    const ahead = wantAhead ? call('schedules.forecast', { since: Math.max(t, window.since), until: window.until }) : Promise.resolve([])
    const behind =
      window.since < t && (configured.value || active.value)
        ? Promise.all(
            (['skipped', 'missed'] as const).map((outcome) =>
              call('schedules.fires', { outcome, since: window.since, until: Math.min(t, window.until), limit: MARK_LIMIT }),
            ),
          ).then((lists) => lists.flat())
        : Promise.resolve([])
    try {
      const [fires, past] = await Promise.all([ahead, behind])
      if (mine !== seq) return
      forecast.value = upcomingOf(fires).sort((a, b) => a.at - b.at)
      marks.value = past
      error.value = null
      syncTicker()
    } catch (e) {
      if (mine === seq) error.value = `Could not load the schedules' fires: ${(e as Error).message}`
    }
  }

  function clear(): void {
    seq++
    forecast.value = []
    marks.value = []
    syncTicker()
  }

  // The same array back while no fire has passed (the clock ticks it), so the chart keeps its layers.
  let lastUpcoming: Upcoming[] = []
  let lastStart = -1
  let lastSource: Upcoming[] | null = null
  /** The loaded fires still ahead of now. */
  const upcoming = computed(() => {
    const all = forecast.value
    const start = firstAtOrAfter(all, now.value)
    if (all !== lastSource || start !== lastStart) {
      lastSource = all
      lastStart = start
      lastUpcoming = start === 0 ? all : all.slice(start)
    }
    return lastUpcoming
  })

  /** Each type's recorded length as the forecast gives it. */
  const expectedByType = computed(() => {
    const byType = new Map<string, number | null>()
    for (const fire of forecast.value) if (!byType.has(fire.type)) byType.set(fire.type, fire.expectedMs)
    return byType
  })

  // The same array back while the same runs run (progress reports change the runner's entries,
  // not what the prediction reads), so the conflicts are not worked out again for each of them.
  let lastRunning: RunningNow[] = []
  /** The runs running now, each with its type's recorded length (the forecast's, else the runner's median). */
  const runningNow = computed<RunningNow[]>(() => {
    const byType = expectedByType.value
    const next = runner.running.map(({ run, expected }) => ({
      id: run.id,
      type: run.type,
      lane: run.lane,
      startedAt: Date.parse(run.startedAt),
      expectedMs: byType.get(run.type) ?? expected?.p50Ms ?? null,
    }))
    const same = next.length === lastRunning.length && next.every((r, i) => {
      const p = lastRunning[i] as RunningNow
      return p.id === r.id && p.expectedMs === r.expectedMs
    })
    if (!same) lastRunning = next
    return lastRunning
  })

  // The same array back while the prediction holds (the clock re-evaluates it), so the chart keeps its layers.
  let lastConflicts: PredictedConflict[] = []
  const conflicts = computed(() => {
    const next = upcoming.value.length === 0 ? [] : predictConflicts(upcoming.value, runningNow.value, now.value)
    const same =
      next.length === lastConflicts.length &&
      next.every((c, i) => {
        const p = lastConflicts[i] as PredictedConflict
        return p.fire.id === c.fire.id && p.waitMs === c.waitMs && p.behind.length === c.behind.length
      })
    if (!same) lastConflicts = next
    return lastConflicts
  })

  function syncTicker(): void {
    const wanted = forecast.value.length > 0
    if (wanted && !ticker) ticker = setInterval(() => (now.value = Date.now()), AHEAD_TICK_MS)
    else if (!wanted && ticker) {
      clearInterval(ticker)
      ticker = null
    }
  }

  function stop(): void {
    if (ticker) clearInterval(ticker)
    ticker = null
  }

  return { choice, active, configured, msFor, forecast, upcoming, marks, conflicts, error, now, load, clear, stop }
})
