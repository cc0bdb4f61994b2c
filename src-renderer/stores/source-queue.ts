// Sources' rows that wait or run now: the Queue's read-only section of its own (`sources.queue`),
// with counts and stuck flags, kept live by the 'job.changed' / 'run.changed' of source jobs
// (the runner store ignores those: they are never the runner's). Started only when the config
// has sources.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { SourceQueue } from '../../src-shared/sources'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

/** Rows listed per part (waiting, running); the counts say how many there are in all. */
export const SOURCE_QUEUE_LIMIT = 200

const EMPTY: SourceQueue = { waiting: [], running: [], counts: { waiting: 0, running: 0, stuck: 0 } }

export const useSourceQueueStore = defineStore('source-queue', () => {
  const queue = shallowRef<SourceQueue>(EMPTY)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  let started = false

  async function refresh(): Promise<void> {
    try {
      queue.value = await call('sources.queue', { limit: SOURCE_QUEUE_LIMIT })
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }
  const refreshSoon = throttleTrailing(() => void refresh(), 500)

  function start(): void {
    if (started) return
    started = true
    void refresh()
    on('job.changed', ({ job }) => {
      if (job.source) refreshSoon()
    })
    on('run.changed', ({ run }) => {
      if (run.source) refreshSoon()
    })
    on('run.stuck', refreshSoon)
    // A backfill is announced once per poll, not row by row.
    on('source.changed', ({ mirrored }) => {
      if (mirrored > 0) refreshSoon()
    })
    on('jobs.cleared', refreshSoon)
  }

  const total = computed(() => queue.value.counts.waiting + queue.value.counts.running)
  /** Rows listed, and how many more there are than listed. */
  const shown = computed(() => queue.value.waiting.length + queue.value.running.length)
  const hidden = computed(() => Math.max(0, total.value - shown.value))

  return { queue, loaded, error, total, shown, hidden, start, refresh }
})
