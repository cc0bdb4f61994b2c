// The queue and the runner as the engine reports them: runner state, running runs with live
// progress, waiting jobs in run order with wait reasons, counts, and the jobs that failed lately
// and were not retried. Every view that shows a run's progress (the strip, the Queue's rows)
// reads it here. Follows events; never polls.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Job, RunnerStatus } from '../../src-shared/domain'
import type { GateBlock } from '../../src-shared/wait-reason'
import { OWN_RUNS } from '../../src-shared/sources'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

/** Failures listed on the Queue view. */
export const FAILURES_SHOWN = 25
/** The window "Recent failures" counts over, and the History link filters by (`since=24h`). */
export const FAILURE_WINDOW_MS = 24 * 3_600_000
export const FAILURE_WINDOW_TEXT = '24h'
/** Counted up to this many; past it the count reads `10,000+`. */
export const FAILURE_COUNT_CAP = 10_000

export const useRunnerStore = defineStore('runner', () => {
  const status = shallowRef<RunnerStatus | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  /** Gate reasons per job type, from the monitor (`runner.waiting`). */
  const gateReasons = ref<Record<string, GateBlock>>({})
  /** Jobs that failed within FAILURE_WINDOW_MS and are still failed (a retry makes them wait again), newest first. */
  const recentFailures = shallowRef<Job[]>([])
  /** How many there are in all (not only the ones listed), up to FAILURE_COUNT_CAP. */
  const failureCount = ref(0)
  const failureCountCapped = ref(false)
  const failuresError = ref<string | null>(null)
  let started = false
  let ageOut: ReturnType<typeof setTimeout> | null = null

  async function refresh(): Promise<void> {
    loading.value = true
    try {
      status.value = await call('runner.status', { limit: 500 })
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    } finally {
      loading.value = false
    }
  }

  const refreshSoon = throttleTrailing(() => void refresh(), 250)

  /** The failures of the window, one page and a bounded count (jobs.list). */
  async function refreshFailures(): Promise<void> {
    try {
      // Jobdeck's own only: a source's failed rows are its own system's to retry (History shows them).
      const page = await call('jobs.list', { status: 'failed', source: OWN_RUNS, since: Date.now() - FAILURE_WINDOW_MS, limit: FAILURES_SHOWN, countUpTo: FAILURE_COUNT_CAP })
      recentFailures.value = page.jobs
      failureCount.value = page.count
      failureCountCapped.value = page.countCapped
      failuresError.value = null
      scheduleAgeOut(page.jobs, page.count)
    } catch (e) {
      failuresError.value = (e as Error).message
    }
  }

  /** The count is over a moving window: when the oldest listed failure leaves it, count again. */
  function scheduleAgeOut(jobs: readonly Job[], count: number): void {
    if (ageOut) clearTimeout(ageOut)
    ageOut = null
    const oldest = jobs.at(-1)?.finishedAt
    // With more failures than listed, the one to leave first is not known here; a new failure recounts anyway.
    if (!oldest || count > jobs.length) return
    const wait = Date.parse(oldest) + FAILURE_WINDOW_MS - Date.now() + 1000
    ageOut = setTimeout(() => void refreshFailures(), Math.max(1000, Math.min(wait, 2 ** 31 - 1)))
  }

  const refreshFailuresSoon = throttleTrailing(() => void refreshFailures(), 1000)

  /** Every failed job of the window (for Retry failed), page by page. */
  async function failedJobIds(): Promise<string[]> {
    const since = Date.now() - FAILURE_WINDOW_MS
    const ids: string[] = []
    let before: { at: string; id: string } | undefined
    for (;;) {
      const page = await call('jobs.list', { status: 'failed', source: OWN_RUNS, since, limit: 1000, countUpTo: 0, ...(before ? { before } : {}) })
      ids.push(...page.jobs.map((j) => j.id))
      if (!page.next || ids.length >= FAILURE_COUNT_CAP) return ids
      before = page.next
    }
  }

  /** Subscribes once; later calls are no-ops. */
  function start(): void {
    if (started) return
    started = true
    void refresh()
    void refreshFailures()
    // Source jobs (mirrored from another system's table) are never the runner's: the Queue's
    // source section follows them (source-queue.ts).
    on('job.changed', ({ job }) => {
      if (job.source) return
      refreshSoon()
      if (job.status === 'failed' || recentFailures.value.some((j) => j.id === job.id)) refreshFailuresSoon()
    })
    on('run.changed', ({ run }) => {
      if (!run.source) refreshSoon()
    })
    on('runner.changed', refreshSoon)
    on('jobs.cleared', () => {
      refreshSoon()
      refreshFailuresSoon()
    })
    on('config.changed', refreshSoon)
    on('runner.waiting', ({ reasons }) => {
      gateReasons.value = reasons
      refreshSoon()
    })
    // Adaptive concurrency stepped: the strip says so at once; runner.status follows with the rest.
    on('runner.concurrency', ({ change }) => {
      const current = status.value
      if (current) {
        const held = change.to < change.max
        status.value = { ...current, limits: { ...current.limits, concurrency: change.to, maxConcurrency: change.max, concurrencyReason: held ? change.reason : null } }
      }
      refreshSoon()
    })
    on('run.progress', ({ runId, progress, itemsOk, itemsFailed }) => {
      const current = status.value
      if (!current || !current.running.some((r) => r.run.id === runId)) return
      // New objects for the changed run (the others keep theirs): everything that shows this
      // run's progress — the strip, the running row, the run panel — sees the same figures.
      status.value = {
        ...current,
        running: current.running.map((entry) => (entry.run.id === runId ? { ...entry, run: { ...entry.run, progress, itemsOk, itemsFailed } } : entry)),
      }
    })
  }

  const running = computed(() => status.value?.running ?? [])
  const queued = computed(() => status.value?.queued ?? [])
  const state = computed(() => status.value?.state ?? 'stopped')
  const waitingCount = computed(() => (status.value ? status.value.counts.queued + status.value.counts.retrying : 0))
  /** Jobs that have run to an end, ever (kept in History until cleared). */
  const finishedCount = computed(() => {
    const c = status.value?.counts
    return c ? c.succeeded + c.partial + c.failed + c.canceled : 0
  })

  /** Reloads everything (after the connection came back: events sent meanwhile were lost). */
  async function reloadAll(): Promise<void> {
    await Promise.all([refresh(), refreshFailures()])
  }

  return {
    status,
    error,
    loading,
    gateReasons,
    running,
    queued,
    state,
    waitingCount,
    finishedCount,
    recentFailures,
    failureCount,
    failureCountCapped,
    failuresError,
    failedJobIds,
    start,
    refresh,
    refreshFailures,
    reloadAll,
  }
})
