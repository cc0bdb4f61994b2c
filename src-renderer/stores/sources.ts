// Sources (other systems' job tables mirrored into the cache) as the window shows them: each
// one's state, last sync, rows and advice (`sources.list`, kept live by 'source.changed'), and
// what an operator can do with them: sync now, test the table, mark a stuck row failed.
// Started by what shows a source (a badge, Settings → Sources), so a config without sources
// never asks.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ApiResults } from '../../src-shared/api'
import type { SourceInfo, SourceTestResult } from '../../src-shared/sources'
import { call, on } from '../ipc'

export const useSourcesStore = defineStore('sources', () => {
  const list = shallowRef<SourceInfo[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** Sources being synced or tested now (their buttons wait). */
  const busy = ref<ReadonlySet<string>>(new Set())
  let started = false

  const byName = computed(() => new Map(list.value.map((s) => [s.name, s])))

  function replace(infos: readonly SourceInfo[]): void {
    const next = new Map(list.value.map((s) => [s.name, s]))
    for (const info of infos) next.set(info.name, info)
    list.value = [...next.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  async function load(): Promise<void> {
    try {
      list.value = [...(await call('sources.list', {}))].sort((a, b) => a.name.localeCompare(b.name))
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  function start(): void {
    if (started) return
    started = true
    void load()
    on('source.changed', ({ source }) => replace([source]))
    // Sources added or removed in the config: the list is read again.
    on('config.changed', () => void load())
  }

  async function withBusy<T>(name: string, work: () => Promise<T>): Promise<T> {
    busy.value = new Set([...busy.value, name])
    try {
      return await work()
    } finally {
      const rest = new Set(busy.value)
      rest.delete(name)
      busy.value = rest
    }
  }

  /** One pull now; the list takes the state it answers with. */
  async function sync(name: string): Promise<void> {
    replace(await withBusy(name, () => call('sources.sync', { name })))
  }

  function test(name: string): Promise<SourceTestResult> {
    return withBusy(name, () => call('sources.test', { name }))
  }

  /** Marks a mirrored run's row failed in its own table (the engine refuses unless enabled); the row count comes back. */
  function markFailed(runId: string): Promise<ApiResults['sources.markFailed']> {
    return call('sources.markFailed', { id: runId })
  }

  return { list, byName, loaded, error, busy, start, load, sync, test, markFailed }
})
