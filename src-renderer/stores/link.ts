// The link between this renderer and the engine. In the desktop app it is Electron IPC and
// always open; in a browser served by `jobdeck serve` it is a WebSocket that drops and
// reconnects by itself. Events sent while it was down are lost, so a reconnect asks every
// interested store to reload (`onReconnect`).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { linkState, onLinkState, transportKind, type LinkState, type TransportKind } from '../ipc'

export const useLinkStore = defineStore('link', () => {
  const transport = ref<TransportKind>('ipc')
  const state = ref<LinkState>('open')
  /** When the state last changed (epoch ms). */
  const since = ref(Date.now())
  /** When an open connection was last lost; null while it has never dropped or is open again. */
  const lostAt = ref<number | null>(null)
  /** Times the connection came back after being lost. */
  const reconnects = ref(0)
  const hooks = new Set<() => void>()
  let wasOpen = false
  let started = false

  function apply(next: LinkState, at: number = Date.now()): void {
    if (next === state.value) return
    const previous = state.value
    state.value = next
    since.value = at
    if (next === 'open') {
      const reconnected = wasOpen && previous !== 'open'
      wasOpen = true
      lostAt.value = null
      if (reconnected) {
        reconnects.value++
        for (const hook of hooks) {
          try {
            hook()
          } catch (error) {
            console.error('jobdeck: a reconnect hook threw', error)
          }
        }
      }
    } else if (previous === 'open') {
      lostAt.value = at
    }
  }

  /** Subscribes once; later calls are no-ops. */
  function start(): void {
    if (started) return
    started = true
    transport.value = transportKind()
    state.value = linkState()
    since.value = Date.now()
    wasOpen = state.value === 'open'
    onLinkState((next) => apply(next))
  }

  /** Runs `hook` each time the connection comes back after a drop; returns the unsubscribe. */
  function onReconnect(hook: () => void): () => void {
    hooks.add(hook)
    return () => {
      hooks.delete(hook)
    }
  }

  const online = computed(() => state.value === 'open')
  /** In words for the status strip. */
  const label = computed(() => {
    if (transport.value === 'ipc') return 'Local'
    if (state.value === 'open') return 'Connected'
    if (state.value === 'signed-out') return 'Signed out'
    return lostAt.value !== null ? 'Reconnecting…' : 'Connecting…'
  })

  return { transport, state, since, lostAt, reconnects, online, label, start, onReconnect, apply }
})
