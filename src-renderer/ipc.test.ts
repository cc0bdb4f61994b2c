import { afterEach, describe, expect, it, vi } from 'vitest'
import type { JobdeckBridge } from '../src-shared/bridge'

afterEach(() => {
  vi.unstubAllGlobals()
  vi.resetModules()
})

function fakeBridge(result: unknown): JobdeckBridge {
  const invoke = vi.fn(async () => result)
  return new Proxy({ on: vi.fn(() => () => {}) } as Record<string, unknown>, {
    get: (target, key) => target[key as string] ?? invoke,
  }) as unknown as JobdeckBridge
}

describe('renderer ipc', () => {
  it('uses the preload bridge when present and unwraps values', async () => {
    const bridge = fakeBridge({ ok: true, value: { removed: 3 } })
    vi.stubGlobal('window', { jobdeck: bridge })
    const { call, getBridge } = await import('./ipc')
    expect(getBridge()).toBe(bridge)
    await expect(call('jobs.clear', { before: 0 })).resolves.toEqual({ removed: 3 })
  })

  it('throws an ApiError carrying the code and details of a failed call', async () => {
    const details = [{ path: ['priority'] }]
    vi.stubGlobal('window', { jobdeck: fakeBridge({ ok: false, error: { code: 'invalid_input', message: 'jobs.setPriority: priority: bad', details } }) })
    const { call, ApiError } = await import('./ipc')
    const error = await call('jobs.setPriority', { id: 'J', priority: 'high' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ code: 'invalid_input', details, method: 'jobs.setPriority', message: 'jobs.setPriority: priority: bad' })
  })

  it('falls back to the WebSocket bridge on the page origin without the preload', async () => {
    const opened: string[] = []
    class FakeSocket {
      readyState = 0
      onopen = null
      onclose = null
      onerror = null
      onmessage = null
      constructor(url: string) {
        opened.push(url)
      }
      send(): void {}
      close(): void {}
    }
    vi.stubGlobal('window', { location: { protocol: 'http:', host: '127.0.0.1:4567', search: '?token=t0k' } })
    vi.stubGlobal('WebSocket', FakeSocket)
    const { getBridge } = await import('./ipc')
    const bridge = getBridge()
    expect(typeof bridge['runner.status']).toBe('function')
    expect(opened).toEqual(['ws://127.0.0.1:4567/ws?token=t0k'])
    ;(bridge as unknown as { close(): void }).close()
  })

  it('reports the transport and its connection: IPC is always open, the WebSocket follows its socket', async () => {
    vi.stubGlobal('window', { jobdeck: fakeBridge({ ok: true, value: null }) })
    const ipc = await import('./ipc')
    expect(ipc.transportKind()).toBe('ipc')
    expect(ipc.linkState()).toBe('open')
    const listener = vi.fn()
    ipc.onLinkState(listener)()
    expect(listener).not.toHaveBeenCalled()

    vi.resetModules()
    const sockets: Array<{ onopen: (() => void) | null; onclose: (() => void) | null; readyState: number }> = []
    class FakeSocket {
      readyState = 0
      onopen: (() => void) | null = null
      onclose: (() => void) | null = null
      onerror = null
      onmessage = null
      constructor() {
        sockets.push(this)
      }
      send(): void {}
      close(): void {}
    }
    vi.stubGlobal('window', { location: { protocol: 'http:', host: '127.0.0.1:4567', search: '' } })
    vi.stubGlobal('WebSocket', FakeSocket)
    const ws = await import('./ipc')
    expect(ws.transportKind()).toBe('websocket')
    expect(ws.linkState()).toBe('connecting')
    const states: string[] = []
    ws.onLinkState((state) => states.push(state))
    sockets[0]!.readyState = 1
    sockets[0]!.onopen?.()
    expect(ws.linkState()).toBe('open')
    sockets[0]!.onclose?.()
    expect(states).toEqual(['open', 'closed'])
    ;(ws.getBridge() as unknown as { close(): void }).close()
  })
})
