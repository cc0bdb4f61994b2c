// Electron main process (placeholder shell; tray, IPC and the engine utilityProcess come later).
// This is the only folder that imports electron (DESIGN.md "Layout").
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, session } from 'electron'
import { hardenWebContents } from './harden'
import { configureSqliteBinding } from './sqlite-binding'
import { windowOptions } from './window-options'

// out/main/index.js -> out/preload/index.cjs, out/renderer/index.html
const outDir = join(import.meta.dirname, '..')
const preloadPath = join(outDir, 'preload', 'index.cjs')
const rendererIndex = join(outDir, 'renderer', 'index.html')
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined

function appEntryUrl(): string {
  return devServerUrl ?? pathToFileURL(rendererIndex).href
}

let mainWindow: BrowserWindow | null = null

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions(preloadPath))
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  if (devServerUrl) void win.loadURL(devServerUrl)
  else void win.loadFile(rendererIndex)
  return win
}

function showMainWindow(): void {
  if (mainWindow === null) {
    mainWindow = createWindow()
    return
  }
  if (mainWindow.isMinimized()) mainWindow.restore()
  mainWindow.show()
  mainWindow.focus()
}

// Permissions a page may be granted; everything else (camera, geolocation, …) is refused.
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write'])

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  const binding = configureSqliteBinding({ env: process.env, appPath: app.getAppPath(), abi: process.versions.modules })
  if (binding === undefined) {
    console.warn(
      'jobdeck: no better-sqlite3 build for this Electron ABI; run `node scripts/prepare-electron.mjs` (npm start does).',
    )
  }

  app.on('second-instance', showMainWindow)
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appEntryUrl))

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
      callback(ALLOWED_PERMISSIONS.has(permission)),
    )
    session.defaultSession.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission))
    showMainWindow()
    app.on('activate', showMainWindow)
  })

  // Placeholder until the tray exists: then closing the window keeps jobs running in the tray.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
