// The shared database connection as the engine reports it (not the window's own link to the
// engine: that is stores/link.ts). Local or shared mode, online / connecting / offline with
// the error, the last sync of the cache, results waiting in the outbox, the next retry. Loaded
// once with `connection.get`, then follows `connection.changed`; never polls.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ApiInput, ApiResults } from '../../src-shared/api'
import type { DatabaseState, ConnectionTestResult } from '../../src-shared/connection'
import { call, on } from '../ipc'

export const useDatabaseStore = defineStore('database', () => {
  const state = shallowRef<DatabaseState | null>(null)
  /** Why the last `connection.get` failed; null once it answered. */
  const error = ref<string | null>(null)
  /** Bumped by every event, so a `connection.get` answered after a newer event is not applied. */
  let changes = 0
  let started = false

  async function load(): Promise<void> {
    const before = changes
    try {
      const value = await call('connection.get', {})
      if (changes === before) state.value = value
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  function apply(next: DatabaseState): void {
    changes++
    state.value = next
    error.value = null
  }

  /** Subscribes once, then loads; later calls are no-ops. */
  function start(): void {
    if (started) return
    started = true
    on('connection.changed', ({ connection }) => apply(connection))
    void load()
  }

  /** Tries a URL without changing anything. Never throws for an unreachable server (ok false). */
  function test(url: string, password?: string): Promise<ConnectionTestResult> {
    return call('connection.test', password ? { url, password } : { url })
  }

  /** Writes the URL into the config file (the password goes to the keychain, or is refused). */
  function save(input: ApiInput<'connection.save'>): Promise<ApiResults['connection.save']> {
    return call('connection.save', input)
  }

  const mode = computed(() => state.value?.mode ?? null)
  const shared = computed(() => state.value?.mode === 'shared')
  /** Shared mode with the database unreachable: the views show the cache. */
  const offline = computed(() => state.value?.mode === 'shared' && state.value.status === 'offline')

  return { state, error, mode, shared, offline, start, load, apply, test, save }
})
