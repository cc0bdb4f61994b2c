// The config in force: its path, its validation errors (with line and column), the job types and
// their param schemas that forms are generated from.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ConfigInfo } from '../../src-shared/api'
import { call, on } from '../ipc'

export const useConfigStore = defineStore('config', () => {
  const info = shallowRef<ConfigInfo | null>(null)
  const error = ref<string | null>(null)
  let started = false

  async function load(): Promise<void> {
    try {
      info.value = await call('config.get', {})
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  async function reload(): Promise<ConfigInfo> {
    const result = await call('config.reload', {})
    info.value = result
    return result
  }

  function start(): void {
    if (started) return
    started = true
    void load()
    on('config.changed', () => void load())
  }

  const types = computed(() => info.value?.types ?? [])
  const typeByName = computed(() => new Map(types.value.map((t) => [t.name, t])))

  return { info, error, types, typeByName, start, load, reload }
})
