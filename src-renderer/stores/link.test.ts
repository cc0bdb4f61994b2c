import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { LinkState, TransportKind } from '../ipc'

const transport = { kind: 'websocket' as TransportKind, state: 'connecting' as LinkState, listeners: new Set<(s: LinkState) => void>() }
const announce = (state: LinkState): void => {
  transport.state = state
  for (const listener of transport.listeners) listener(state)
}
vi.mock('../ipc', () => ({
  transportKind: () => transport.kind,
  linkState: () => transport.state,
  onLinkState: (listener: (s: LinkState) => void) => {
    if (transport.kind === 'ipc') return () => {}
    transport.listeners.add(listener)
    return () => transport.listeners.delete(listener)
  },
}))
const { useLinkStore } = await import('./link')

describe('useLinkStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    transport.kind = 'websocket'
    transport.state = 'connecting'
    transport.listeners.clear()
  })

  it('is local and open over Electron IPC, and never changes', () => {
    transport.kind = 'ipc'
    transport.state = 'open'
    const store = useLinkStore()
    store.start()
    expect(store.transport).toBe('ipc')
    expect(store.online).toBe(true)
    expect(store.label).toBe('Local')
    expect(transport.listeners.size).toBe(0)
  })

  it('follows the WebSocket: connecting, open, lost (with the time), reconnecting, open again', () => {
    const store = useLinkStore()
    store.start()
    expect(store.state).toBe('connecting')
    expect(store.label).toBe('Connecting…')
    announce('open')
    expect(store.online).toBe(true)
    expect(store.label).toBe('Connected')
    expect(store.lostAt).toBeNull()
    const before = Date.now()
    announce('closed')
    expect(store.online).toBe(false)
    expect(store.lostAt).toBeGreaterThanOrEqual(before)
    expect(store.label).toBe('Reconnecting…')
    announce('connecting')
    expect(store.label).toBe('Reconnecting…')
    announce('open')
    expect(store.lostAt).toBeNull()
    expect(store.reconnects).toBe(1)
  })

  it('runs the reconnect hooks only when an open connection comes back, not on the first open', () => {
    const store = useLinkStore()
    store.start()
    const hook = vi.fn()
    const off = store.onReconnect(hook)
    announce('open')
    expect(hook).not.toHaveBeenCalled()
    announce('closed')
    announce('connecting')
    expect(hook).not.toHaveBeenCalled()
    announce('open')
    expect(hook).toHaveBeenCalledTimes(1)
    off()
    announce('closed')
    announce('open')
    expect(hook).toHaveBeenCalledTimes(1)
    expect(store.reconnects).toBe(2)
  })

  it('starts open when the socket opened before the store subscribed', () => {
    transport.state = 'open'
    const store = useLinkStore()
    store.start()
    const hook = vi.fn()
    store.onReconnect(hook)
    announce('closed')
    announce('open')
    expect(hook).toHaveBeenCalledTimes(1)
  })
})
