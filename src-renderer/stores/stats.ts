// Per-type run statistics (counts, success rate, avg/p95 duration, last run, duration trend) as
// the engine maintains them. Refreshed when runs finish, at most once a second; never polled.
// History's stats panel reads it (the Queue's ETAs come with runner.status: src-shared/eta.ts).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { TypeStats } from '../../src-shared/domain'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

export const STATS_REFRESH_MS = 1000

export const useStatsStore = defineStore('stats', () => {
  const stats = shallowRef<TypeStats[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  let started = false

  async function refresh(): Promise<void> {
    try {
      stats.value = await call('stats.byType', {})
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  const refreshSoon = throttleTrailing(() => void refresh(), STATS_REFRESH_MS)

  /** Subscribes once and loads; later calls are no-ops. */
  function start(): void {
    if (started) return
    started = true
    void refresh()
    // Stats change when a run finishes (a start changes nothing they count).
    on('run.changed', ({ run }) => {
      if (run.status !== 'running') refreshSoon()
    })
    on('jobs.cleared', refreshSoon)
  }

  const byType = computed(() => new Map(stats.value.map((s) => [s.type, s])))
  const totalRuns = computed(() => stats.value.reduce((sum, s) => sum + s.runs, 0))

  return { stats, byType, totalRuns, loaded, error, start, refresh }
})
