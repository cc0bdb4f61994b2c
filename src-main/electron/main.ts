// Electron main process: window, the engine utilityProcess, the IPC transport and the desktop
// shell (tray, notifications, close to tray, quit flow, keychain, logs). This is the only folder that
// imports electron (DESIGN.md "Layout").
import os from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, safeStorage, session, shell as electronShell } from 'electron'
import { EVENT_CHANNEL } from '../../src-shared/bridge'
import { captureConsole, envSecretValues, lineLog, LogRedaction, stderrLogger, type Logger } from '../core/app-log'
import { engineArgv, engineLocation } from '../core/engine/engine-options'
import { fileLogger, teeLogger } from '../core/log-file'
import { applyAppIdentity } from './app-identity'
import { DesktopShell } from './desktop'
import { appLogFiles, registerDesktopLogs, type AppLogFiles } from './desktop-logs'
import { DesktopSettingsStore } from './desktop-settings'
import { startEngineProcess, type EngineProcess } from './engine-process'
import { hardenWebContents } from './harden'
import { forwardEvents, registerApi, registerDesktopSettings, trustedSender } from './ipc'
import { paramKeyEnv } from './param-key'
import { configuredPgUrl, EngineSecrets } from './pg-secrets'
import { SafeStorageSecrets } from './safe-storage-secrets'
import { configureSqliteBinding } from './sqlite-binding'
import { resourcesDir } from './tray'
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

/** main.log (and the engine's engine.log beside it), in the folder Electron names `logs`. */
let logFiles: AppLogFiles | null = null
let mainLog: Logger = stderrLogger({ prefix: 'jobdeck' })

/**
 * The main process logs to main.log and stderr (a terminal in development); console.* too, so the
 * shell's warnings reach the file. A log folder that cannot be made leaves stderr alone.
 */
function startMainLog(): void {
  const redaction = new LogRedaction()
  redaction.setKnown('env', envSecretValues(process.env))
  const stderr = stderrLogger({ prefix: 'jobdeck', redaction })
  try {
    logFiles = appLogFiles(app.getPath('logs'))
    mainLog = teeLogger(fileLogger({ file: logFiles.main, source: 'main', redaction, debug: process.env['JOBDECK_DEBUG'] === '1' }), stderr)
  } catch (error) {
    mainLog = stderr
    mainLog.warn(`no log file: ${(error as Error).message}`)
  }
  captureConsole(mainLog)
}

let mainWindow: BrowserWindow | null = null
let engine: EngineProcess | null = null
let shell: DesktopShell | null = null
/** The OS ends the session or a signal came: quit without asking. */
let forceQuit = false

async function startEngine(): Promise<EngineProcess> {
  // The CLI's resolution: JOBDECK_DATA_DIR / JOBDECK_CONFIG, else userData (= the CLI default).
  const location = {
    dataDir: process.env['JOBDECK_DATA_DIR'] || app.getPath('userData'),
    ...(process.env['JOBDECK_CONFIG'] ? { configPath: process.env['JOBDECK_CONFIG'] } : {}),
  }
  const userData = app.getPath('userData')
  const keychain = await SafeStorageSecrets.inDir(userData, safeStorage)
  const configPath = engineLocation(engineArgv(location), process.env).configPath
  const [secrets, paramKey] = await Promise.all([EngineSecrets.open(keychain, configuredPgUrl(process.env, configPath)), paramKeyEnv(keychain)])
  const settings = DesktopSettingsStore.inDir(userData)
  const started = startEngineProcess({
    enginePath,
    ...location,
    ...(logFiles ? { logFile: logFiles.engine } : {}),
    log: lineLog(mainLog, 'warn'),
    env: () => ({ ...secrets.engineEnv(), ...paramKey }),
    secrets: secrets.keychain(),
    onStart: () => shell?.engineStarted(),
  })
  const isTrustedSender = trustedSender(() => mainWindow, appEntryUrl)
  registerApi(ipcMain, { call: (method, args) => started.callRaw(method, args), isTrustedSender })
  const desktopState = () => ({ settings: settings.get(), secrets: keychain.state() })
  registerDesktopSettings(ipcMain, { state: desktopState, update: (patch) => (settings.update(patch), desktopState()), isTrustedSender })
  registerDesktopLogs(ipcMain, {
    files: logFiles ?? appLogFiles(app.getPath('logs')),
    openPath: (folder) => electronShell.openPath(folder),
    versions: () => ({
      app: app.getVersion(),
      electron: process.versions.electron ?? 'unknown',
      chrome: process.versions.chrome ?? 'unknown',
      node: process.versions.node,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    }),
    engine: async () => {
      const connection = await started.call('connection.get', {})
      return { sqlite: started.info?.sqlite ?? null, mode: connection.ok ? connection.value.mode : null }
    },
    location: { configPath, dataDir: location.dataDir },
    configuredMode: () => (configuredPgUrl(process.env, configPath) ? 'shared' : 'local'),
    isTrustedSender,
  })
  forwardEvents(started, (message) => {
    const contents = mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, message)
  })
  const resources = resourcesDir(app.getAppPath())
  shell = new DesktopShell({
    engine: started,
    settings,
    resourcesDir: resources,
    icon: join(resources, 'icon.png'),
    showWindow: showMainWindow,
    windowFocused: () => mainWindow !== null && !mainWindow.isDestroyed() && mainWindow.isFocused(),
    requestQuit: () => app.quit(),
    ask: async ({ choices: _choices, ...options }) => (await dialog.showMessageBox({ ...options, noLink: true })).response,
  })
  shell.engineStarted()
  return started
}

/** The app's entry document on `route` (hash router): a same-document navigation when already there. */
function loadRoute(win: BrowserWindow, route?: string): void {
  const hash = route ? `#${route}` : ''
  const loading = devServerUrl ? win.loadURL(`${devServerUrl}${hash}`) : win.loadFile(rendererIndex, route ? { hash: route } : {})
  loading.catch(() => undefined) // a later load superseding this one rejects it
}

/** The OS is shutting down or a signal came: no dialog, running jobs are marked interrupted. */
function quitWithoutAsking(): void {
  forceQuit = true
  app.quit()
}

function createWindow(route?: string): BrowserWindow {
  const win = new BrowserWindow(windowOptions(preloadPath))
  win.once('ready-to-show', () => win.show())
  win.on('focus', () => shell?.windowSeen())
  // Closing hides the window (jobs keep running in the tray) unless a quit is under way or
  // Settings say closing quits.
  win.on('close', (event) => {
    const decision = shell?.windowClosing() ?? { action: 'close' }
    if (decision.action === 'close') return
    event.preventDefault()
    if (decision.action === 'hide') win.hide()
    else app.quit()
  })
  win.on('session-end', quitWithoutAsking) // Windows: logoff or shutdown
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  loadRoute(win, route)
  return win
}

function showMainWindow(route?: string): void {
  if (mainWindow === null || mainWindow.isDestroyed()) {
    mainWindow = createWindow(route)
    return
  }
  if (route) loadRoute(mainWindow, route)
  if (mainWindow.isMinimized()) mainWindow.restore()
  mainWindow.show()
  mainWindow.focus()
}

// Permissions a page may be granted; everything else (camera, geolocation, …) is refused.
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write'])

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  applyAppIdentity(app)
  startMainLog()
  const binding = configureSqliteBinding({ env: process.env, appPath: app.getAppPath(), abi: process.versions.modules })
  if (binding === undefined) {
    mainLog.warn(
      'no better-sqlite3 build for this Electron ABI; run `node scripts/prepare-electron.mjs` (npm start does).',
    )
  }

  app.on('second-instance', () => showMainWindow())
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appEntryUrl))

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
      callback(ALLOWED_PERMISSIONS.has(permission)),
    )
    session.defaultSession.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission))
    powerMonitor.on('shutdown', quitWithoutAsking) // Linux and macOS
    try {
      engine = await startEngine()
    } catch (error) {
      mainLog.error(`could not start: ${(error as Error)?.stack ?? String(error)}`)
      dialog.showErrorBox('Jobdeck could not start', (error as Error)?.message ?? String(error))
      app.quit()
      return
    }
    showMainWindow()
    app.on('activate', () => showMainWindow())
  })

  // Quitting asks first while jobs run (quit-flow.ts); the engine is stopped before the app goes.
  app.on('before-quit', (event) => {
    if (!shell) {
      if (engine) event.preventDefault()
      void engine?.stop().finally(() => {
        engine = null
        app.quit()
      })
      return
    }
    const go = forceQuit ? shell.quitFlow.forceQuit() : shell.quitFlow.beforeQuit()
    if (!go) event.preventDefault()
  })
  process.once('SIGTERM', quitWithoutAsking)
  process.once('SIGINT', quitWithoutAsking)

  // Jobdeck lives on in the tray with no window open (without a tray, nothing would be left).
  app.on('window-all-closed', () => {
    if (!shell) app.quit()
  })
}
