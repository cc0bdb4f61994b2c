// The one place that decides how a Jobdeck window is built. Pure, so the security flags are unit
// tested without Electron (DESIGN.md "Desktop": sandboxed, isolated, no node integration).
import { isAbsolute } from 'node:path'
import type { BrowserWindowConstructorOptions } from 'electron'

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  if (!isAbsolute(preloadPath)) {
    throw new Error(`windowOptions: the preload path must be absolute, got "${preloadPath}"`)
  }
  return {
    title: 'Jobdeck',
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false, // shown on 'ready-to-show' to avoid a white flash
    autoHideMenuBar: true,
    backgroundColor: '#15171c',
    webPreferences: {
      preload: preloadPath,
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
      safeDialogs: true,
      spellcheck: false,
    },
  }
}
