// The run shown in the detail side panel: the run, its job and every attempt, a live tail of its
// output (loaded page by page, then followed through `run.log` events), and its CPU/RSS series
// (`runs.usage`, then `run.usage` events). One run at a time; opening another replaces it.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { RunDetail } from '../../src-shared/api'
import type { LogLine, LogStream, Run } from '../../src-shared/domain'
import type { RunUsagePoint } from '../../src-shared/monitor'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

/** Lines kept in memory for one run; older ones are dropped from the view (not from the engine). */
export const LOG_CAP = 10_000

export interface LogEntry {
  /** Local, increasing: a stable key for the view. */
  seq: number
  stream: LogStream
  at: string
  text: string
}

export interface LoadFailure {
  code: string
  message: string
}

const lineKey = (line: { stream: string; at: string; text: string }): string => `${line.stream}\u0000${line.at}\u0000${line.text}`

export const useRunDetailStore = defineStore('run-detail', () => {
  /** What was asked for (a run id, or a job id meaning its latest run). */
  const requested = ref<string | null>(null)
  const detail = shallowRef<RunDetail | null>(null)
  const loading = ref(false)
  const error = ref<LoadFailure | null>(null)

  const lines = shallowRef<LogEntry[]>([])
  const logLoading = ref(false)
  const logError = ref<string | null>(null)
  /** The engine kept only the newest output of this run (its log limit was reached). */
  const logTruncated = ref(false)
  /** Stored lines older than the ones in this view (only the last `logCap` are shown). */
  const droppedLocally = ref(0)
  const logCap = ref(LOG_CAP)

  const usage = shallowRef<RunUsagePoint[]>([])
  const peakRssBytes = ref<number | null>(null)
  const cpuSeconds = ref<number | null>(null)

  let seq = 0
  /** Bumped on every open/close: answers for an older run are ignored. */
  let generation = 0
  /** Log lines that arrived by event while the pages were loading. */
  let pendingLines: LogLine[] | null = null
  let pendingUsage: RunUsagePoint[] | null = null
  let started = false

  const runId = computed(() => detail.value?.run.id ?? null)
  const run = computed<Run | null>(() => detail.value?.run ?? null)
  const live = computed(() => run.value?.status === 'running')

  function appendLines(incoming: ReadonlyArray<Pick<LogLine, 'stream' | 'at' | 'text'>>): void {
    if (incoming.length === 0) return
    const added = incoming.map((l) => ({ seq: ++seq, stream: l.stream, at: l.at, text: l.text }))
    let next = lines.value.concat(added)
    const over = next.length - logCap.value
    if (over > 0) {
      next = next.slice(over)
      droppedLocally.value += over
    }
    lines.value = next
  }

  async function loadDetail(id: string, gen: number): Promise<RunDetail | null> {
    try {
      const value = await call('runs.get', { id })
      if (gen !== generation) return null
      detail.value = value
      error.value = null
      return value
    } catch (e) {
      if (gen !== generation) return null
      const failure = e as { code?: string; message: string }
      error.value = { code: failure.code ?? 'internal', message: failure.message }
      return null
    }
  }

  async function loadLog(id: string, gen: number): Promise<void> {
    logLoading.value = true
    logError.value = null
    pendingLines = []
    try {
      // Only the end: a long run's early output is in `jobdeck logs`, and the end says why it failed.
      const page = await call('runs.log', { id, tail: logCap.value })
      if (gen !== generation) return
      logTruncated.value = page.truncated
      droppedLocally.value = page.earlier ?? 0
      appendLines(page.lines)
      // Lines announced while loading may already be in the tail: skip the ones seen there.
      const buffered = pendingLines
      pendingLines = null
      if (buffered.length > 0) {
        const first = buffered[0] as LogLine
        const seen = new Map<string, number>()
        for (const line of lines.value) {
          if (line.at < first.at) continue
          const key = lineKey(line)
          seen.set(key, (seen.get(key) ?? 0) + 1)
        }
        const fresh = buffered.filter((line) => {
          const key = lineKey(line)
          const count = seen.get(key) ?? 0
          if (count === 0) return true
          seen.set(key, count - 1)
          return false
        })
        appendLines(fresh)
      }
    } catch (e) {
      if (gen !== generation) return
      logError.value = (e as Error).message
      const buffered = pendingLines ?? []
      pendingLines = null
      appendLines(buffered)
    } finally {
      if (gen === generation) logLoading.value = false
    }
  }

  async function loadUsage(id: string, gen: number): Promise<void> {
    pendingUsage = []
    try {
      const value = await call('runs.usage', { id })
      if (gen !== generation) return
      const lastAt = value.points.at(-1)?.at ?? 0
      const later = (pendingUsage ?? []).filter((p) => p.at > lastAt)
      usage.value = [...value.points, ...later]
      peakRssBytes.value = value.peakRssBytes
      cpuSeconds.value = value.cpuSeconds
    } catch {
      // The chart says there is no usage; the rest of the panel still works.
      if (gen === generation) usage.value = pendingUsage ?? []
    } finally {
      pendingUsage = null
    }
  }

  function reset(): void {
    generation++
    detail.value = null
    error.value = null
    lines.value = []
    droppedLocally.value = 0
    logTruncated.value = false
    logError.value = null
    logLoading.value = false
    usage.value = []
    peakRssBytes.value = null
    cpuSeconds.value = null
    pendingLines = null
    pendingUsage = null
  }

  /** Shows a run (or a job's latest run). */
  async function open(id: string): Promise<void> {
    start()
    if (requested.value === id && (detail.value || loading.value)) return
    reset()
    requested.value = id
    const gen = generation
    loading.value = true
    // The output counts as loading from the start, so the panel never shows "no output" in between.
    logLoading.value = true
    const value = await loadDetail(id, gen)
    if (gen !== generation) return
    loading.value = false
    if (!value) {
      logLoading.value = false
      return
    }
    await Promise.all([loadLog(value.run.id, gen), loadUsage(value.run.id, gen)])
  }

  function close(): void {
    reset()
    requested.value = null
    loading.value = false
  }

  /** Reloads everything of the run shown (after a reconnect, or on request). */
  async function reload(): Promise<void> {
    const id = requested.value
    if (!id) return
    requested.value = null
    await open(detail.value?.run.id ?? id)
  }

  const refreshDetail = throttleTrailing(() => {
    const shown = detail.value
    if (!shown) return
    void loadDetail(shown.run.id, generation)
  }, 300)

  function start(): void {
    if (started) return
    started = true
    on('run.log', ({ lines: incoming }) => {
      const id = runId.value
      if (!id) return
      const mine = incoming.filter((l) => l.runId === id)
      if (mine.length === 0) return
      if (pendingLines) pendingLines.push(...mine)
      else appendLines(mine)
    })
    on('run.usage', ({ runId: id, cpuPercent, rssBytes, peakRssBytes: peak, cpuSeconds: cpu }) => {
      if (id !== runId.value) return
      const point = { at: Date.now(), cpuPercent, rssBytes }
      if (pendingUsage) pendingUsage.push(point)
      else usage.value = [...usage.value, point]
      if (peak !== null) peakRssBytes.value = peak
      if (cpu !== null) cpuSeconds.value = cpu
    })
    on('run.progress', ({ runId: id, progress, itemsOk, itemsFailed }) => {
      const shown = detail.value
      if (!shown || shown.run.id !== id) return
      const updated = { ...shown.run, progress, itemsOk, itemsFailed }
      detail.value = { ...shown, run: updated, attempts: shown.attempts.map((a) => (a.id === id ? updated : a)) }
    })
    on('run.changed', ({ run: changed }) => {
      if (detail.value && changed.jobId === detail.value.job.id) refreshDetail()
    })
    on('job.changed', ({ job }) => {
      const shown = detail.value
      if (shown && job.id === shown.job.id) detail.value = { ...shown, job }
    })
    on('jobs.cleared', () => {
      if (detail.value) refreshDetail()
    })
  }

  return {
    requested,
    detail,
    run,
    runId,
    live,
    loading,
    error,
    lines,
    logLoading,
    logError,
    logTruncated,
    droppedLocally,
    logCap,
    usage,
    peakRssBytes,
    cpuSeconds,
    start,
    open,
    close,
    reload,
  }
})
