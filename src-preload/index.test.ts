import { afterEach, describe, expect, it, vi } from 'vitest'

const exposeInMainWorld = vi.fn()
vi.mock('electron', () => ({ contextBridge: { exposeInMainWorld } }))

afterEach(() => {
  vi.unstubAllGlobals()
  vi.resetModules()
  exposeInMainWorld.mockReset()
})

describe('preload', () => {
  it('exposes exactly one frozen object, window.jobdeck, carrying the app version', async () => {
    vi.stubGlobal('__JOBDECK_VERSION__', '1.2.3')
    await import('./index')
    expect(exposeInMainWorld).toHaveBeenCalledTimes(1)
    const [key, bridge] = exposeInMainWorld.mock.calls[0] as [string, { version: string }]
    expect(key).toBe('jobdeck')
    expect(bridge).toEqual({ version: '1.2.3' })
    expect(Object.isFrozen(bridge)).toBe(true)
  })

  it('falls back to a dev version when not built by electron-vite', async () => {
    const { createBridge } = await import('./bridge')
    expect(createBridge().version).toBe('0.0.0-dev')
  })
})
