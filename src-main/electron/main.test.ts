// Smoke test of the main-process wiring against a fake electron module (no real Electron here).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

type Handler = (...args: unknown[]) => unknown

const state = vi.hoisted(() => ({
  gotLock: true,
  appHandlers: new Map<string, Handler>(),
  windows: [] as Array<{ options: unknown; loaded: string[]; shown: number; focused: number }>,
  permissionRequest: undefined as Handler | undefined,
  permissionCheck: undefined as Handler | undefined,
  quit: 0,
  ipcHandlers: new Map<string, Handler>(),
  engines: [] as Array<{ modulePath: string; args: string[]; received: unknown[]; listeners: Map<string, Handler> }>,
}))

vi.mock('electron', () => {
  class BrowserWindow {
    private readonly record: { options: unknown; loaded: string[]; shown: number; focused: number }
    constructor(options: unknown) {
      this.record = { options, loaded: [], shown: 0, focused: 0 }
      state.windows.push(this.record)
    }
    once(): this {
      return this
    }
    on(): this {
      return this
    }
    loadFile(file: string): Promise<void> {
      this.record.loaded.push(file)
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
    getPath: (name: string) => `/fake/${name}`,
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
        postMessage: (message: { kind: string }) => {
          record.received.push(message)
          if (message.kind === 'shutdown') queueMicrotask(() => listeners.get('exit')?.(0))
        },
        kill: () => true,
      }
    },
  }
  return { app, BrowserWindow, session, ipcMain, utilityProcess, shell: { openExternal: vi.fn() } }
})

beforeEach(() => {
  vi.resetModules()
  state.gotLock = true
  state.appHandlers.clear()
  state.windows.length = 0
  state.permissionRequest = undefined
  state.permissionCheck = undefined
  state.quit = 0
  state.ipcHandlers.clear()
  state.engines.length = 0
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

afterEach(() => {
  vi.restoreAllMocks()
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

  it('starts the engine, registers one IPC handler per API method, and stops the engine before quitting', async () => {
    const { API_METHODS, apiChannel } = await import('../../src-shared/bridge')
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
    expect(engine.args).toContain('--data-dir=/fake/userData')
    expect([...state.ipcHandlers.keys()].sort()).toEqual(API_METHODS.map(apiChannel).sort())

    engine.listeners.get('message')!({ kind: 'ready', info: { pid: 4242, dataDir: '/fake/userData', configPath: '/c', runner: 'running', runnerMessage: null } })

    const beforeQuit = state.appHandlers.get('before-quit')!
    let prevented = 0
    beforeQuit({ preventDefault: () => prevented++ })
    expect(prevented).toBe(1)
    expect(engine.received).toContainEqual({ kind: 'shutdown' })
    await vi.waitFor(() => expect(state.quit).toBe(1))
    // The second before-quit (from that app.quit()) lets the app go.
    beforeQuit({ preventDefault: () => prevented++ })
    expect(prevented).toBe(1)
  })
})
