// Electron main process: window, the engine utilityProcess and the IPC transport (tray comes
// later). This is the only folder that imports electron (DESIGN.md "Layout").
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, ipcMain, session } from 'electron'
import { EVENT_CHANNEL } from '../../src-shared/bridge'
import { startEngineProcess, type EngineProcess } from './engine-process'
import { hardenWebContents } from './harden'
import { forwardEvents, registerApi, trustedSender } from './ipc'
import { configureSqliteBinding } from './sqlite-binding'
import { windowOptions } from './window-options'

// out/main/index.js -> out/main/engine.js, out/preload/index.cjs, out/renderer/index.html
const outDir = join(import.meta.dirname, '..')
const enginePath = join(outDir, 'main', 'engine.js')
const preloadPath = join(outDir, 'preload', 'index.cjs')
const rendererIndex = join(outDir, 'renderer', 'index.html')
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined

function appEntryUrl(): string {
  return devServerUrl ?? pathToFileURL(rendererIndex).href
}

let mainWindow: BrowserWindow | null = null
let engine: EngineProcess | null = null
let engineStopped = false

function startEngine(): EngineProcess {
  // The CLI's resolution: JOBDECK_DATA_DIR / JOBDECK_CONFIG, else userData (= the CLI default).
  const started = startEngineProcess({
    enginePath,
    dataDir: process.env['JOBDECK_DATA_DIR'] || app.getPath('userData'),
    ...(process.env['JOBDECK_CONFIG'] ? { configPath: process.env['JOBDECK_CONFIG'] } : {}),
  })
  registerApi(ipcMain, {
    call: (method, args) => started.callRaw(method, args),
    isTrustedSender: trustedSender(() => mainWindow, appEntryUrl),
  })
  forwardEvents(started, (message) => {
    const contents = mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, message)
  })
  return started
}

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
    engine = startEngine()
    showMainWindow()
    app.on('activate', showMainWindow)
  })

  // Running jobs are stopped and re-queued before the app goes.
  app.on('before-quit', (event) => {
    if (!engine || engineStopped) return
    event.preventDefault()
    void engine.stop().finally(() => {
      engineStopped = true
      app.quit()
    })
  })

  // Placeholder until the tray exists: then closing the window keeps jobs running in the tray.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
