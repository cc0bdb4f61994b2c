// The queue and the runner as the engine reports them: runner state, running runs with live
// progress, waiting jobs in run order with wait reasons, counts. Follows events; never polls.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { RunnerStatus } from '../../src-shared/domain'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

export const useRunnerStore = defineStore('runner', () => {
  const status = shallowRef<RunnerStatus | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  /** Gate reasons per job type, from the monitor (`runner.waiting`). */
  const gateReasons = ref<Record<string, string>>({})
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

  /** Subscribes once; later calls are no-ops. */
  function start(): void {
    if (started) return
    started = true
    void refresh()
    on('job.changed', refreshSoon)
    on('run.changed', refreshSoon)
    on('runner.changed', refreshSoon)
    on('jobs.cleared', refreshSoon)
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

  return { status, error, loading, gateReasons, running, queued, state, waitingCount, start, refresh }
})
