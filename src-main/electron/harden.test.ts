import type { WebContents } from 'electron'
import { describe, expect, it, vi } from 'vitest'

// harden.ts pulls in external-links.ts, which imports electron's shell.
vi.mock('electron', () => ({ shell: { openExternal: vi.fn() } }))
const { hardenWebContents } = await import('./harden')

type Listener = (event: { url?: string; preventDefault: () => void }) => void
type OpenHandler = (details: { url: string }) => { action: string }

function fakeContents() {
  const listeners = new Map<string, Listener>()
  let openHandler: OpenHandler | undefined
  const contents = {
    on(name: string, listener: Listener) {
      listeners.set(name, listener)
      return contents
    },
    setWindowOpenHandler(handler: OpenHandler) {
      openHandler = handler
    },
  }
  const fire = (name: string, url?: string) => {
    const event = { url, preventDefault: vi.fn() }
    const listener = listeners.get(name)
    if (!listener) throw new Error(`no ${name} listener`)
    listener(event)
    return event.preventDefault
  }
  return {
    contents: contents as unknown as WebContents,
    fire,
    open: (url: string) => {
      if (!openHandler) throw new Error('no window open handler')
      return openHandler({ url })
    },
  }
}

const entry = 'file:///app/out/renderer/index.html'

describe('hardenWebContents', () => {
  it('denies navigation away from the app and routes it to the external-link helper', () => {
    const fake = fakeContents()
    const openExternal = vi.fn(async () => true)
    hardenWebContents(fake.contents, () => entry, openExternal)

    expect(fake.fire('will-navigate', 'https://example.com/')).toHaveBeenCalled()
    expect(openExternal).toHaveBeenCalledWith('https://example.com/')

    expect(fake.fire('will-navigate', 'file:///etc/passwd')).toHaveBeenCalled()
    expect(fake.fire('will-redirect', 'https://evil.example/')).toHaveBeenCalled()
  })

  it('lets the entry document reload', () => {
    const fake = fakeContents()
    const openExternal = vi.fn(async () => true)
    hardenWebContents(fake.contents, () => entry, openExternal)
    expect(fake.fire('will-navigate', entry)).not.toHaveBeenCalled()
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('never opens a new window, hands the URL to the helper instead', () => {
    const fake = fakeContents()
    const openExternal = vi.fn(async () => true)
    hardenWebContents(fake.contents, () => entry, openExternal)
    expect(fake.open('https://example.com/docs')).toEqual({ action: 'deny' })
    expect(fake.open('file:///etc/passwd')).toEqual({ action: 'deny' })
    expect(openExternal.mock.calls).toEqual([['https://example.com/docs'], ['file:///etc/passwd']])
  })

  it('refuses <webview> tags', () => {
    const fake = fakeContents()
    hardenWebContents(fake.contents, () => entry, vi.fn(async () => true))
    expect(fake.fire('will-attach-webview')).toHaveBeenCalled()
  })
})
