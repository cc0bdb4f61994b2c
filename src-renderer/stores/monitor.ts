// The host as the runner's monitor samples it: latest sample, health, a rolling window of recent
// samples for live charts, the runner's concurrency steps in that window (adaptive concurrency),
// and the job types the resource gate holds back.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ConcurrencyChange, Health, HostSample } from '../../src-shared/monitor'
import type { GateBlock } from '../../src-shared/wait-reason'
import { call, on } from '../ipc'

/** Live charts show this much; older history comes from `monitor.range`. */
export const LIVE_WINDOW_MS = 15 * 60_000

export const useMonitorStore = defineStore('monitor', () => {
  const latest = shallowRef<HostSample | null>(null)
  const health = ref<Health>({ level: 'healthy', reasons: [], since: new Date().toISOString() })
  const recent = shallowRef<HostSample[]>([])
  const waiting = ref<Record<string, GateBlock>>({})
  /** Steps of the effective concurrency within the live window, oldest first. */
  const concurrency = shallowRef<ConcurrencyChange[]>([])
  let started = false

  function push(sample: HostSample): void {
    const cutoff = sample.at - LIVE_WINDOW_MS
    const kept = recent.value.filter((s) => s.at >= cutoff && s.at < sample.at)
    recent.value = [...kept, sample]
    latest.value = sample
  }

  async function load(): Promise<void> {
    const [now, range] = await Promise.all([
      call('monitor.latest', {}),
      call('monitor.range', { since: Date.now() - LIVE_WINDOW_MS, resolution: 'raw' }),
    ])
    recent.value = range.samples
    concurrency.value = range.concurrency
    latest.value = now.sample
    health.value = now.health
    waiting.value = now.waiting
  }

  function start(): void {
    if (started) return
    started = true
    void load().catch((e: unknown) => console.error('jobdeck: monitor load failed', e))
    on('monitor.sample', ({ sample, health: h }) => {
      push(sample)
      health.value = h
    })
    on('health.changed', ({ health: h }) => {
      health.value = h
    })
    on('runner.waiting', ({ reasons }) => {
      waiting.value = reasons
    })
    on('runner.concurrency', ({ change }) => {
      const cutoff = Date.parse(change.at) - LIVE_WINDOW_MS
      concurrency.value = [...concurrency.value.filter((c) => Date.parse(c.at) >= cutoff), change]
    })
  }

  return { latest, health, recent, waiting, concurrency, start, load }
})
