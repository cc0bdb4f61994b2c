// The queue and the runner as the engine reports them: runner state, running runs with live
// progress, waiting jobs in run order with wait reasons, counts. Follows events; never polls.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Run, RunnerStatus } from '../../src-shared/domain'
import type { GateBlock } from '../../src-shared/wait-reason'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

/** Recent failures listed on the Queue view. */
export const FAILURES_SHOWN = 25

/** Job id → id of its most recently started run, from runs listed newest first. */
export function latestRunByJob(runs: readonly Run[]): Map<string, string> {
  const latest = new Map<string, { id: string; startedAt: string }>()
  for (const run of runs) {
    const known = latest.get(run.jobId)
    if (!known || run.startedAt > known.startedAt || (run.startedAt === known.startedAt && run.id > known.id)) {
      latest.set(run.jobId, { id: run.id, startedAt: run.startedAt })
    }
  }
  return new Map([...latest].map(([job, r]) => [job, r.id]))
}

export const useRunnerStore = defineStore('runner', () => {
  const status = shallowRef<RunnerStatus | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  /** Gate reasons per job type, from the monitor (`runner.waiting`). */
  const gateReasons = ref<Record<string, GateBlock>>({})
  /** Failed runs whose job is still failed: not retried since, not waiting for an automatic retry. */
  const failedRuns = shallowRef<Run[]>([])
  const failuresError = ref<string | null>(null)
  let started = false

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

  /**
   * The most recent failed runs that are their job's latest run. The API lists runs, not jobs by
   * status, so a second query over the runs since the oldest failure finds the ones retried since.
   */
  async function refreshFailures(): Promise<void> {
    try {
      const failed = await call('runs.list', { status: 'failed', limit: FAILURES_SHOWN })
      const oldest = failed.at(-1)
      let latest = new Map<string, string>()
      if (oldest) {
        const since = await call('runs.list', { since: oldest.startedAt, limit: 5000 })
        latest = latestRunByJob(since)
      }
      failedRuns.value = failed.filter((r) => (latest.get(r.jobId) ?? r.id) === r.id)
      failuresError.value = null
    } catch (e) {
      failuresError.value = (e as Error).message
    }
  }

  const refreshFailuresSoon = throttleTrailing(() => void refreshFailures(), 1000)

  /** Subscribes once; later calls are no-ops. */
  function start(): void {
    if (started) return
    started = true
    void refresh()
    void refreshFailures()
    on('job.changed', ({ job }) => {
      refreshSoon()
      if (failedRuns.value.some((r) => r.jobId === job.id)) refreshFailuresSoon()
    })
    on('run.changed', ({ run }) => {
      refreshSoon()
      if (run.status === 'failed' || failedRuns.value.some((r) => r.jobId === run.jobId)) refreshFailuresSoon()
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
    on('run.progress', ({ runId, progress, itemsOk, itemsFailed }) => {
      const current = status.value
      const entry = current?.running.find((r) => r.run.id === runId)
      if (!current || !entry) return
      // In place: the running list keeps its identity, only this run's figures change.
      entry.run = { ...entry.run, progress, itemsOk, itemsFailed }
      status.value = { ...current }
    })
  }

  const running = computed(() => status.value?.running ?? [])
  const queued = computed(() => status.value?.queued ?? [])
  const state = computed(() => status.value?.state ?? 'stopped')
  const waitingCount = computed(() => (status.value ? status.value.counts.queued + status.value.counts.retrying : 0))

  /** Failures an operator can retry now: their job is neither waiting nor running. */
  const retriableFailures = computed(() => {
    const busy = new Set([...queued.value.map((j) => j.id), ...running.value.map((r) => r.job.id)])
    return failedRuns.value.filter((r) => !busy.has(r.jobId))
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
    failedRuns,
    retriableFailures,
    failuresError,
    start,
    refresh,
    refreshFailures,
    reloadAll,
  }
})
