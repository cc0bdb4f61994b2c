// Smoke test of the main-process wiring against a fake electron module (no real Electron here).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

type Handler = (...args: unknown[]) => unknown

const state = vi.hoisted(() => ({
  gotLock: true,
  appHandlers: new Map<string, Handler>(),
  windows: [] as Array<{
    options: unknown
    loaded: string[]
    shown: number
    focused: number
    hidden: number
    handlers: Map<string, Handler>
    webContents: { mainFrame: { url: string; parent: null; frameTreeNodeId: number } }
  }>,
  /** What the fake engine answers to runner.status. */
  running: [] as unknown[],
  dialogs: [] as Array<{ buttons: string[] }>,
  dialogAnswer: 3,
  permissionRequest: undefined as Handler | undefined,
  permissionCheck: undefined as Handler | undefined,
  quit: 0,
  userData: '',
  ipcHandlers: new Map<string, Handler>(),
  /** Folders shell.openPath was asked to show. */
  opened: [] as string[],
  engines: [] as Array<{ modulePath: string; args: string[]; received: unknown[]; listeners: Map<string, Handler> }>,
}))

vi.mock('electron', async () => {
  const fake = (await import('./test-support/fake-electron')).fakeElectron()
  class BrowserWindow {
    private readonly record: (typeof state.windows)[number]
    readonly webContents = {
      mainFrame: { url: 'about:blank', parent: null, frameTreeNodeId: 1 },
      isDestroyed: () => false,
      send: () => {},
    }
    constructor(options: unknown) {
      this.record = { options, loaded: [], shown: 0, focused: 0, hidden: 0, handlers: new Map(), webContents: this.webContents }
      state.windows.push(this.record)
    }
    once(): this {
      return this
    }
    on(name: string, handler: Handler): this {
      this.record.handlers.set(name, handler)
      return this
    }
    isDestroyed(): boolean {
      return false
    }
    isFocused(): boolean {
      return false
    }
    hide(): void {
      this.record.hidden++
    }
    loadFile(file: string, options?: { hash?: string }): Promise<void> {
      this.record.loaded.push(options?.hash ? `${file}#${options.hash}` : file)
      this.webContents.mainFrame.url = `${pathToFileURL(file).href}${options?.hash ? `#${options.hash}` : ''}`
      return Promise.resolve()
    }
    loadURL(url: string): Promise<void> {
      this.record.loaded.push(url)
      return Promise.resolve()
    }
    isMinimized(): boolean {
      return false
    }
    restore(): void {}
    show(): void {
      this.record.shown++
    }
    focus(): void {
      this.record.focused++
    }
  }
  const app = {
    isPackaged: true,
    requestSingleInstanceLock: () => state.gotLock,
    quit: () => {
      state.quit++
    },
    getAppPath: () => '/nonexistent-jobdeck-app',
    getPath: (name: string) => (name === 'userData' ? state.userData : name === 'logs' ? join(state.userData, 'logs') : `/fake/${name}`),
    getVersion: () => '9.8.7',
    on: (name: string, handler: Handler) => {
      state.appHandlers.set(name, handler)
      return app
    },
    whenReady: () => Promise.resolve(),
  }
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (h: Handler) => {
        state.permissionRequest = h
      },
      setPermissionCheckHandler: (h: Handler) => {
        state.permissionCheck = h
      },
    },
  }
  const ipcMain = {
    handle: (channel: string, handler: Handler) => {
      state.ipcHandlers.set(channel, handler)
    },
    removeHandler: (channel: string) => {
      state.ipcHandlers.delete(channel)
    },
  }
  const utilityProcess = {
    fork: (modulePath: string, args: string[]) => {
      const listeners = new Map<string, Handler>()
      const record = { modulePath, args, received: [] as unknown[], listeners }
      state.engines.push(record)
      return {
        pid: 4242,
        on: (name: string, handler: Handler) => listeners.set(name, handler),
        postMessage: (message: { kind: string; id?: number; method?: string }) => {
          record.received.push(message)
          if (message.kind === 'shutdown') queueMicrotask(() => listeners.get('exit')?.(0))
          if (message.kind === 'call') {
            const value =
              message.method === 'runner.status'
                ? { state: 'running', paused: false, running: state.running, queued: [], counts: { running: state.running.length, queued: 0, retrying: 0 }, connection: null }
                : message.method === 'config.get'
                  ? { types: [] }
                  : message.method === 'connection.get'
                    ? { mode: 'local', status: 'local' }
                    : {}
            queueMicrotask(() => listeners.get('message')?.({ kind: 'result', id: message.id, result: { ok: true, value } }))
          }
        },
        kill: () => true,
      }
    },
  }
  const dialog = {
    showMessageBox: async (options: { buttons: string[] }) => {
      state.dialogs.push(options)
      return { response: state.dialogAnswer }
    },
  }
  const safeStorage = {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => 'basic_text',
    encryptStringAsync: async (s: string) => Buffer.from(s),
    decryptStringAsync: async (b: Buffer) => ({ result: b.toString(), shouldReEncrypt: false }),
  }
  const powerMonitor = { on: vi.fn() }
  const shell = {
    openExternal: vi.fn(),
    openPath: async (path: string) => {
      state.opened.push(path)
      return ''
    },
  }
  return { ...fake, app, BrowserWindow, session, ipcMain, utilityProcess, dialog, safeStorage, powerMonitor, shell }
})

// main.ts routes console.* into its log (app-log.ts captureConsole): put it back after each test.
const consoleMethods = { error: console.error, warn: console.warn, info: console.info, log: console.log, debug: console.debug }

beforeEach(() => {
  vi.resetModules()
  state.opened.length = 0
  state.userData = mkdtempSync(join(tmpdir(), 'jobdeck-main-'))
  state.running = []
  state.dialogs.length = 0
  state.dialogAnswer = 3
  state.gotLock = true
  state.appHandlers.clear()
  state.windows.length = 0
  state.permissionRequest = undefined
  state.permissionCheck = undefined
  state.quit = 0
  state.ipcHandlers.clear()
  state.engines.length = 0
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  // main.ts's log also writes stderr (a terminal in development).
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
})

afterEach(() => {
  rmSync(state.userData, { recursive: true, force: true })
  vi.restoreAllMocks()
  Object.assign(console, consoleMethods)
  delete process.env['JOBDECK_SQLITE_BINDING']
})

describe('main process', () => {
  it('quits when another instance holds the lock', async () => {
    state.gotLock = false
    await import('./main')
    expect(state.quit).toBe(1)
    expect(state.appHandlers.size).toBe(0)
    expect(state.windows).toHaveLength(0)
  })

  it('opens one hardened window loading the built renderer', async () => {
    await import('./main')
    await vi.waitFor(() => expect(state.windows).toHaveLength(1))
    const win = state.windows[0]!
    expect(win.options).toMatchObject({
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true },
    })
    const preload = (win.options as { webPreferences: { preload: string } }).webPreferences.preload
    expect(preload.replaceAll('\\', '/')).toMatch(/\/preload\/index\.cjs$/)
    expect(win.loaded[0]?.replaceAll('\\', '/')).toMatch(/\/renderer\/index\.html$/)
    expect(state.appHandlers.has('web-contents-created')).toBe(true)
  })

  it('focuses the existing window on a second launch instead of opening another', async () => {
    await import('./main')
    await vi.waitFor(() => expect(state.windows).toHaveLength(1))
    state.appHandlers.get('second-instance')!()
    expect(state.windows).toHaveLength(1)
    expect(state.windows[0]!.focused).toBe(1)
  })

  it('refuses page permissions except clipboard writes', async () => {
    await import('./main')
    await vi.waitFor(() => expect(state.permissionRequest).toBeDefined())
    const answers: boolean[] = []
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-sanitized-write']) {
      state.permissionRequest!({}, permission, (granted: boolean) => answers.push(granted))
    }
    expect(answers).toEqual([false, false, false, true])
    expect(state.permissionCheck!({}, 'media')).toBe(false)
  })

  it('starts the engine, registers one IPC handler per API method and the desktop settings, and stops the engine before quitting', async () => {
    const { API_METHODS, apiChannel } = await import('../../src-shared/bridge')
    const { DESKTOP_CHANNELS } = await import('../../src-shared/desktop')
    const savedDataDir = process.env['JOBDECK_DATA_DIR']
    delete process.env['JOBDECK_DATA_DIR']
    try {
      await import('./main')
    } finally {
      if (savedDataDir !== undefined) process.env['JOBDECK_DATA_DIR'] = savedDataDir
    }
    await vi.waitFor(() => expect(state.engines).toHaveLength(1))
    const engine = state.engines[0]!
    expect(engine.modulePath.replaceAll('\\', '/')).toMatch(/\/main\/engine\.js$/)
    expect(engine.args).toContain(`--data-dir=${state.userData}`)
    expect([...state.ipcHandlers.keys()].sort()).toEqual(
      [...API_METHODS.map(apiChannel), DESKTOP_CHANNELS.get, DESKTOP_CHANNELS.update, DESKTOP_CHANNELS.openLogs, DESKTOP_CHANNELS.diagnostics].sort(),
    )
    expect(engine.args).toContain(`--log-file=${join(state.userData, 'logs', 'engine.log')}`)

    engine.listeners.get('message')!({ kind: 'ready', info: { pid: 4242, dataDir: state.userData, configPath: '/c', runner: 'running', runnerMessage: null } })

    const beforeQuit = state.appHandlers.get('before-quit')!
    let prevented = 0
    beforeQuit({ preventDefault: () => prevented++ })
    expect(prevented).toBe(1)
    await vi.waitFor(() => expect(engine.received).toContainEqual({ kind: 'shutdown' }))
    await vi.waitFor(() => expect(state.quit).toBe(1))
    // Nothing was running: no question asked.
    expect(state.dialogs).toHaveLength(0)
    // The second before-quit (from that app.quit()) lets the app go.
    beforeQuit({ preventDefault: () => prevented++ })
    expect(prevented).toBe(1)
  })

  it('hides the window on close (jobs keep running) and lives on with no window', async () => {
    await import('./main')
    await vi.waitFor(() => expect(state.windows).toHaveLength(1))
    let prevented = 0
    state.windows[0]!.handlers.get('close')!({ preventDefault: () => prevented++ })
    expect(prevented).toBe(1)
    expect(state.windows[0]!.hidden).toBe(1)
    state.appHandlers.get('window-all-closed')!()
    expect(state.quit).toBe(0)
  })

  it('asks before quitting while a job runs, and stays when told not to quit', async () => {
    const { job, run } = await import('./test-support/domain-objects')
    state.running = [{ job: job('J1', 'running'), run: run('R1', 'J1', 30) }]
    await import('./main')
    await vi.waitFor(() => expect(state.engines).toHaveLength(1))
    const engine = state.engines[0]!
    engine.listeners.get('message')!({ kind: 'ready', info: { pid: 4242, dataDir: state.userData, configPath: '/c', runner: 'running', runnerMessage: null } })
    let prevented = 0
    state.appHandlers.get('before-quit')!({ preventDefault: () => prevented++ })
    await vi.waitFor(() => expect(state.dialogs).toHaveLength(1))
    expect(state.dialogs[0]!.buttons).toEqual(['Wait for it to finish', 'Cancel it and quit', 'Quit now (mark interrupted)', "Don't quit"])
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(prevented).toBe(1)
    expect(engine.received).not.toContainEqual({ kind: 'shutdown' })
    expect(state.quit).toBe(0)
  })

  it('tells the window where passwords go: basic_text is not secure', async () => {
    const { DESKTOP_CHANNELS } = await import('../../src-shared/desktop')
    await import('./main')
    await vi.waitFor(() => expect(state.windows).toHaveLength(1))
    await vi.waitFor(() => expect(state.ipcHandlers.has(DESKTOP_CHANNELS.get)).toBe(true))
    const handler = state.ipcHandlers.get(DESKTOP_CHANNELS.get)!
    const { webContents } = state.windows[0]!
    expect(await handler({ sender: webContents, senderFrame: webContents.mainFrame })).toMatchObject({
      ok: true,
      value: { settings: { quitOnClose: false }, secrets: { protection: process.platform === 'linux' ? 'insecure' : 'secure' } },
    })
    await expect(Promise.resolve().then(() => handler({ sender: {}, senderFrame: null }))).rejects.toThrow(/refused/)
  })
  it('logs to main.log in the logs folder, opens that folder and answers diagnostics with its last lines', async () => {
    const { DESKTOP_CHANNELS } = await import('../../src-shared/desktop')
    await import('./main')
    await vi.waitFor(() => expect(state.ipcHandlers.has(DESKTOP_CHANNELS.diagnostics)).toBe(true))
    const engine = state.engines[0]!
    engine.listeners.get('message')!({ kind: 'ready', info: { pid: 4242, dataDir: state.userData, configPath: '/c', runner: 'running', runnerMessage: null, sqlite: '3.99.0' } })
    // A warning of the shell (console.warn) with a webhook URL in it: the file has it, masked.
    console.warn('jobdeck: could not reach https://hooks.example.com/services/T000/B000/tok3nXYZ')
    const { webContents } = state.windows[0]!
    const trusted = { sender: webContents, senderFrame: webContents.mainFrame }

    await expect(state.ipcHandlers.get(DESKTOP_CHANNELS.openLogs)!(trusted)).resolves.toEqual({ ok: true, value: { folder: join(state.userData, 'logs') } })
    expect(state.opened).toEqual([join(state.userData, 'logs')])

    const answer = (await state.ipcHandlers.get(DESKTOP_CHANNELS.diagnostics)!(trusted)) as { ok: true; value: import('../../src-shared/desktop').Diagnostics }
    expect(answer.ok).toBe(true)
    expect(answer.value).toMatchObject({
      versions: { app: '9.8.7', sqlite: '3.99.0', node: process.versions.node },
      dataDir: state.userData,
      mode: 'local',
      logFile: join(state.userData, 'logs', 'main.log'),
      logFolder: join(state.userData, 'logs'),
    })
    const line = answer.value.logTail.find((l) => l.includes('could not reach'))
    expect(line).toMatch(/^\[\d{4}-\d{2}-\d{2} [\d:.]+[+-]\d{2}:\d{2}\] \[warn\] +main: could not reach https:\/\/hooks\.example\.com\/••••$/)
    expect(readFileSync(join(state.userData, 'logs', 'main.log'), 'utf8')).not.toContain('tok3nXYZ')

    await expect(Promise.resolve().then(() => state.ipcHandlers.get(DESKTOP_CHANNELS.openLogs)!({ sender: {}, senderFrame: null }))).rejects.toThrow(/refused/)
    await expect(Promise.resolve().then(() => state.ipcHandlers.get(DESKTOP_CHANNELS.diagnostics)!({ sender: {}, senderFrame: null }))).rejects.toThrow(/refused/)
    expect(state.opened).toHaveLength(1)
  })
})
