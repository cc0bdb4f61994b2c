// Who this window is (`session.get`) and so what it may do. The desktop's window (IPC) is the
// owner, admin, from the first paint; a browser waits for the answer and, until it comes, shows
// nothing that changes anything (a viewer must never glimpse a Cancel it cannot use). Asked again
// after a reconnect: the server may have restarted with other tokens.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { RESERVED_CALLER_NAMES, type Session } from '../../src-shared/access'
import { call, transportKind } from '../ipc'

/** What the engine host answers for its window (DESKTOP in src-main/core/access/callers.ts). */
const DESKTOP_SESSION: Session = { who: 'desktop', role: 'admin' }

export const useSessionStore = defineStore('session', () => {
  const session = shallowRef<Session | null>(null)
  const error = ref<string | null>(null)
  let started = false

  async function load(): Promise<void> {
    try {
      session.value = await call('session.get', {})
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  function start(): void {
    if (started) return
    started = true
    if (transportKind() === 'ipc') session.value = DESKTOP_SESSION
    void load()
  }

  /** Logged in with an API token (not the owner's desktop window or printed URL): it can log out. */
  const withToken = computed(() => session.value !== null && !RESERVED_CALLER_NAMES.includes(session.value.who))

  return { session, error, withToken, start, load }
})
