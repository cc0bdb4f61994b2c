// Resources beyond the live window the monitor store keeps: older host history for a chosen
// range (per-minute min/avg/max from `monitor.range`), the top runs of the last 24 h by CPU time
// and by peak memory, and each running run's latest usage (`run.usage`). Subscribed while the
// Resources view is open (start/stop).
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { MonitorRange } from '../../src-shared/api'
import { topRuns, type TopRun } from '../components/resources/host-series'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'
import { LIVE_WINDOW_MS } from './monitor'

export type ResourceSpan = 'live' | '1h' | '6h' | '24h' | '7d' | '30d'

export const RESOURCE_SPANS: ReadonlyArray<{ key: ResourceSpan; label: string; ms: number }> = [
  { key: 'live', label: 'Live · 15 min', ms: LIVE_WINDOW_MS },
  { key: '1h', label: '1h', ms: 3_600_000 },
  { key: '6h', label: '6h', ms: 6 * 3_600_000 },
  { key: '24h', label: '24h', ms: 86_400_000 },
  { key: '7d', label: '7d', ms: 7 * 86_400_000 },
  { key: '30d', label: '30d', ms: 30 * 86_400_000 },
]

/** How many of the last 24 h's runs the top lists look at (newest first). */
export const TOP_SCAN_LIMIT = 2000
export const TOP_COUNT = 8
/** Finished runs refresh the top lists at most this often. */
export const TOP_REFRESH_MS = 30_000

export interface TopLists {
  byCpu: TopRun[]
  byRss: TopRun[]
  /** Runs looked at, and whether there were more in the 24 h than that. */
  scanned: number
  truncated: boolean
  since: number
}

export interface LiveUsage {
  cpuPercent: number
  rssBytes: number
  at: number
}

export const useResourcesStore = defineStore('resources', () => {
  const span = ref<ResourceSpan>('live')
  const history = shallowRef<MonitorRange | null>(null)
  const historyWindow = shallowRef<{ since: number; until: number } | null>(null)
  const historyLoading = ref(false)
  const historyError = ref<string | null>(null)
  const top = shallowRef<TopLists | null>(null)
  const topError = ref<string | null>(null)
  const usage = shallowRef<Record<string, LiveUsage>>({})
  let seq = 0
  let started = false
  let unsubscribe: Array<() => void> = []

  async function loadHistory(): Promise<void> {
    const chosen = RESOURCE_SPANS.find((s) => s.key === span.value)
    if (!chosen || chosen.key === 'live') return
    const until = Date.now()
    const since = until - chosen.ms
    const mine = ++seq
    historyLoading.value = true
    try {
      const result = await call('monitor.range', { since, until, resolution: chosen.ms <= 3_600_000 ? 'raw' : 'minute' })
      if (mine !== seq) return
      history.value = result
      historyWindow.value = { since, until }
      historyError.value = null
    } catch (e) {
      if (mine === seq) historyError.value = `Could not load the host history: ${(e as Error).message}`
    } finally {
      if (mine === seq) historyLoading.value = false
    }
  }

  function setSpan(next: ResourceSpan): void {
    span.value = next
    if (next === 'live') {
      seq++
      history.value = null
      historyLoading.value = false
      return
    }
    void loadHistory()
  }

  async function loadTop(): Promise<void> {
    const now = Date.now()
    const since = now - 86_400_000
    try {
      const runs = await call('runs.list', { since, limit: TOP_SCAN_LIMIT })
      top.value = { ...topRuns(runs, TOP_COUNT, now), scanned: runs.length, truncated: runs.length >= TOP_SCAN_LIMIT, since }
      topError.value = null
    } catch (e) {
      topError.value = `Could not load the top runs: ${(e as Error).message}`
    }
  }

  const refreshTopSoon = throttleTrailing(() => void loadTop(), TOP_REFRESH_MS)

  function start(): void {
    if (started) return
    started = true
    unsubscribe = [
      on('run.usage', ({ runId, cpuPercent, rssBytes }) => {
        usage.value = { ...usage.value, [runId]: { cpuPercent, rssBytes, at: Date.now() } }
      }),
      on('run.changed', ({ run }) => {
        if (run.finishedAt === null) return
        if (usage.value[run.id]) {
          const { [run.id]: _gone, ...rest } = usage.value
          usage.value = rest
        }
        refreshTopSoon()
      }),
    ]
    void loadTop()
    if (span.value !== 'live') void loadHistory()
  }

  function stop(): void {
    started = false
    for (const off of unsubscribe) off()
    unsubscribe = []
  }

  return { span, history, historyWindow, historyLoading, historyError, top, topError, usage, setSpan, loadHistory, loadTop, start, stop }
})
