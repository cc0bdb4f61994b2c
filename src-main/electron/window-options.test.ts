import { describe, expect, it } from 'vitest'
import { windowOptions } from './window-options'

describe('windowOptions', () => {
  const preload = '/app/out/preload/index.cjs'

  it('locks the renderer down (sandbox, isolation, no node, web security)', () => {
    const web = windowOptions(preload).webPreferences
    expect(web).toMatchObject({
      preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    })
  })

  it('shows the window only when ready', () => {
    expect(windowOptions(preload).show).toBe(false)
  })

  it('returns a fresh object each time', () => {
    const a = windowOptions(preload)
    const b = windowOptions(preload)
    expect(a).not.toBe(b)
    expect(a.webPreferences).not.toBe(b.webPreferences)
  })

  it('rejects a relative preload path', () => {
    expect(() => windowOptions('out/preload/index.cjs')).toThrow(/absolute/)
  })
})
