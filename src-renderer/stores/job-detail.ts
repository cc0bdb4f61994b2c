// The job shown in the job detail side panel: the job, its runs, and while it waits its place in
// the run order and why it waits (`jobs.get`), followed through job events while it is open.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { JobDetail } from '../../src-shared/api'
import { call, on } from '../ipc'
import { throttleTrailing } from './debounce'

export interface JobLoadFailure {
  code: string
  message: string
}

export const useJobDetailStore = defineStore('job-detail', () => {
  const jobId = ref<string | null>(null)
  const detail = shallowRef<JobDetail | null>(null)
  const loading = ref(false)
  const error = ref<JobLoadFailure | null>(null)
  /** Bumped on every open/close: answers for another job are ignored. */
  let generation = 0
  let started = false

  async function load(id: string, gen: number): Promise<void> {
    try {
      const value = await call('jobs.get', { id })
      if (gen !== generation) return
      detail.value = value
      error.value = null
    } catch (e) {
      if (gen !== generation) return
      const failure = e as { code?: string; message: string }
      error.value = { code: failure.code ?? 'internal', message: failure.message }
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  // Its place changes whenever a job ahead of it starts, leaves or changes priority.
  const reloadSoon = throttleTrailing(() => {
    if (jobId.value) void load(jobId.value, generation)
  }, 300)

  function start(): void {
    if (started) return
    started = true
    on('job.changed', () => {
      if (jobId.value) reloadSoon()
    })
    on('runner.changed', () => {
      if (jobId.value) reloadSoon()
    })
  }

  async function open(id: string): Promise<void> {
    start()
    generation++
    jobId.value = id
    if (detail.value && detail.value.job.id !== id) detail.value = null
    loading.value = true
    error.value = null
    await load(id, generation)
  }

  function close(): void {
    generation++
    jobId.value = null
    detail.value = null
    error.value = null
    loading.value = false
  }

  async function reload(): Promise<void> {
    if (jobId.value) await load(jobId.value, generation)
  }

  return { jobId, detail, loading, error, open, close, reload }
})
