// Retention as Settings shows it: the data dir by part, what the next pass deletes, the last pass
// and the policy (`retention.status`, read again when a pass ran anywhere or the config changed),
// and one pass now.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { RetentionPass, RetentionStatus } from '../../src-shared/retention'
import { call, on } from '../ipc'

export const useRetentionStore = defineStore('retention', () => {
  const status = shallowRef<RetentionStatus | null>(null)
  const error = ref<string | null>(null)
  const running = ref(false)
  let started = false

  async function load(): Promise<void> {
    try {
      status.value = await call('retention.status', {})
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  function start(): void {
    if (started) return
    started = true
    void load()
    on('retention.ran', () => void load())
    on('config.changed', () => void load())
  }

  /** One pass now; the status is read again when it is announced (or here, if the event is missed). */
  async function runNow(): Promise<RetentionPass> {
    running.value = true
    try {
      const pass = await call('retention.run', {})
      await load()
      return pass
    } finally {
      running.value = false
    }
  }

  return { status, error, running, start, load, runNow }
})
