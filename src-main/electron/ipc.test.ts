import { afterEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS, apiChannel, type EventMessage } from '../../src-shared/bridge'
import { DEFAULT_DESKTOP_SETTINGS, DESKTOP_CHANNELS, type DesktopState } from '../../src-shared/desktop'
import type { CallResult } from '../../src-shared/wire'
import { forwardEvents, registerApi, registerDesktopSettings, trustedSender, type FrameLike, type InvokeEventLike } from './ipc'

const APP_URL = 'file:///opt/jobdeck/out/renderer/index.html'

type Listener = (event: InvokeEventLike, ...args: unknown[]) => unknown

function fakeIpcMain(): { handlers: Map<string, Listener>; handle: (c: string, l: Listener) => void; removeHandler: (c: string) => void } {
  const handlers = new Map<string, Listener>()
  return {
    handlers,
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, listener)
    },
    removeHandler: (channel) => void handlers.delete(channel),
  }
}

function fakeWindow(url = APP_URL) {
  const mainFrame: FrameLike = { url, parent: null, frameTreeNodeId: 1 }
  const webContents = { mainFrame }
  return { win: { isDestroyed: () => false, webContents }, mainFrame, webContents }
}

function setup() {
  const ipcMain = fakeIpcMain()
  const { win, mainFrame, webContents } = fakeWindow()
  const call = vi.fn(async (method: string, args: unknown): Promise<CallResult> => ({ ok: true, value: { method, args } }))
  const log = vi.fn()
  const unregister = registerApi(ipcMain, { call, isTrustedSender: trustedSender(() => win, () => APP_URL), log })
  const invoke = (method: string, event: InvokeEventLike, args: unknown): Promise<unknown> =>
    Promise.resolve().then(() => ipcMain.handlers.get(apiChannel(method as never))!(event, args))
  const good: InvokeEventLike = { sender: webContents, senderFrame: mainFrame }
  return { ipcMain, call, log, unregister, invoke, good, webContents, mainFrame }
}

describe('registerApi', () => {
  it('registers exactly one handler per API method and removes them all', () => {
    const { ipcMain, unregister } = setup()
    expect([...ipcMain.handlers.keys()].sort()).toEqual(API_METHODS.map(apiChannel).sort())
    unregister()
    expect(ipcMain.handlers.size).toBe(0)
  })

  it('relays a good call from the window to the engine', async () => {
    const { invoke, good, call } = setup()
    await expect(invoke('jobs.enqueue', good, { type: 'nap', params: { ms: 5 } })).resolves.toEqual({
      ok: true,
      value: { method: 'jobs.enqueue', args: { type: 'nap', params: { ms: 5 } } },
    })
    await expect(invoke('runner.status', good, undefined)).resolves.toMatchObject({ ok: true })
    expect(call).toHaveBeenCalledTimes(2)
    expect(call).toHaveBeenLastCalledWith('runner.status', {})
  })

  it('rejects input that fails the schema, naming the method and field, without relaying', async () => {
    const { invoke, good, call } = setup()
    const result = (await invoke('jobs.setPriority', good, { id: 'J1', priority: 'soonish' })) as CallResult
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!result.ok && result.error.message).toMatch(/^jobs\.setPriority: priority: /)
    const extra = (await invoke('jobs.cancel', good, { id: 'J1', force: true })) as CallResult
    expect(!extra.ok && extra.error.message).toMatch(/^jobs\.cancel: /)
    expect(call).not.toHaveBeenCalled()
  })

  it('refuses a subframe, another page, another window and a frame gone away', async () => {
    const { invoke, good, call, log, webContents } = setup()
    const cases: InvokeEventLike[] = [
      // an iframe inside our window (even one showing our own entry)
      { sender: webContents, senderFrame: { url: APP_URL, parent: good.senderFrame, frameTreeNodeId: 2 } },
      // our window's top frame after navigating elsewhere
      { sender: webContents, senderFrame: { url: 'https://evil.example/', parent: null, frameTreeNodeId: 1 } },
      { sender: webContents, senderFrame: { url: 'file:///tmp/other.html', parent: null, frameTreeNodeId: 1 } },
      // another window's top frame showing our entry
      { sender: {}, senderFrame: { url: APP_URL, parent: null, frameTreeNodeId: 7 } },
      { sender: webContents, senderFrame: null },
    ]
    for (const event of cases) {
      await expect(invoke('runner.status', event, {})).rejects.toThrow(/runner\.status refused/)
    }
    expect(call).not.toHaveBeenCalled()
    expect(log).toHaveBeenCalledTimes(cases.length)
  })

  it('refuses everything when there is no window', async () => {
    const ipcMain = fakeIpcMain()
    const call = vi.fn()
    registerApi(ipcMain, { call, isTrustedSender: trustedSender(() => null, () => APP_URL), log: () => {} })
    const { mainFrame, webContents } = fakeWindow()
    await expect(
      Promise.resolve().then(() => ipcMain.handlers.get(apiChannel('runner.status'))!({ sender: webContents, senderFrame: mainFrame }, {})),
    ).rejects.toThrow(/refused/)
  })

  it('accepts the entry with a #hash route', () => {
    const { win, webContents } = fakeWindow(`${APP_URL}#/history`)
    const check = trustedSender(() => win, () => APP_URL)
    expect(check({ sender: webContents, senderFrame: win.webContents.mainFrame })).toBe(true)
  })
})

describe('registerDesktopSettings', () => {
  function desktopSetup() {
    const ipcMain = fakeIpcMain()
    const { win, mainFrame, webContents } = fakeWindow()
    let state: DesktopState = {
      settings: DEFAULT_DESKTOP_SETTINGS,
      secrets: { protection: 'insecure', backend: 'basic_text', summary: 'No secure keyring was found' },
    }
    const update = vi.fn((patch: { quitOnClose?: boolean }) => {
      state = { ...state, settings: { ...state.settings, ...patch } }
      return state
    })
    const unregister = registerDesktopSettings(ipcMain, { state: () => state, update, isTrustedSender: trustedSender(() => win, () => APP_URL), log: () => {} })
    const good: InvokeEventLike = { sender: webContents, senderFrame: mainFrame }
    const invoke = (channel: string, event: InvokeEventLike, arg?: unknown): Promise<unknown> =>
      Promise.resolve().then(() => ipcMain.handlers.get(channel)!(event, arg))
    return { ipcMain, update, unregister, good, invoke, webContents }
  }

  it('answers the state and applies a valid patch from the window', async () => {
    const { invoke, good, update } = desktopSetup()
    await expect(invoke(DESKTOP_CHANNELS.get, good)).resolves.toMatchObject({ ok: true, value: { secrets: { protection: 'insecure', backend: 'basic_text' } } })
    await expect(invoke(DESKTOP_CHANNELS.update, good, { quitOnClose: true })).resolves.toMatchObject({ ok: true, value: { settings: { quitOnClose: true } } })
    expect(update).toHaveBeenCalledWith({ quitOnClose: true })
  })

  it('parses the patch with its schema: wrong types and unknown keys are refused, naming the field', async () => {
    const { invoke, good, update } = desktopSetup()
    const wrong = (await invoke(DESKTOP_CHANNELS.update, good, { notifications: { health: 'off' } })) as CallResult
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!wrong.ok && wrong.error.message).toMatch(/^desktop settings: notifications\.health: /)
    await expect(invoke(DESKTOP_CHANNELS.update, good, { resumeRunnerOnStart: true })).resolves.toMatchObject({ ok: false })
    expect(update).not.toHaveBeenCalled()
  })

  it('refuses other frames, like the API does, and unregisters both channels', async () => {
    const { invoke, webContents, ipcMain, unregister } = desktopSetup()
    const iframe: InvokeEventLike = { sender: webContents, senderFrame: { url: APP_URL, parent: {}, frameTreeNodeId: 2 } }
    await expect(invoke(DESKTOP_CHANNELS.get, iframe)).rejects.toThrow(/refused/)
    await expect(invoke(DESKTOP_CHANNELS.update, { sender: {}, senderFrame: null }, {})).rejects.toThrow(/refused/)
    unregister()
    expect(ipcMain.handlers.size).toBe(0)
  })
})

describe('forwardEvents', () => {
  afterEach(() => vi.useRealTimers())

  function source() {
    let listener: ((name: string, payload: unknown) => void) | null = null
    return {
      onAny(l: (name: string, payload: unknown) => void) {
        listener = l
        return () => (listener = null)
      },
      emit: (name: string, payload: unknown) => listener?.(name, payload),
      get subscribed() {
        return listener !== null
      },
    }
  }

  const line = (runId: string, text: string) => ({ runId, stream: 'stdout', at: '2026-01-01T00:00:00.000Z', text })
  const progress = (runId: string, percent: number) => ({
    runId,
    jobId: `J-${runId}`,
    progress: { percent, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
  })

  it('sends ordinary events at once and coalesces logs, progress and samples', () => {
    vi.useFakeTimers()
    const src = source()
    const sent: EventMessage[] = []
    const stop = forwardEvents(src, (m) => sent.push(m))

    src.emit('job.changed', { job: { id: 'J1' } })
    expect(sent).toHaveLength(1)

    // 1000 log lines within 100 ms: the first goes out, the rest in one batch.
    for (let i = 0; i < 1000; i++) src.emit('run.log', { lines: [line('R1', `l${i}`)] })
    expect(sent).toHaveLength(2)
    vi.advanceTimersByTime(100)
    const logs = sent.filter((m) => m.name === 'run.log') as Array<EventMessage<'run.log'>>
    expect(logs).toHaveLength(2)
    expect(logs.flatMap((m) => m.payload.lines.map((l) => l.text))).toEqual(Array.from({ length: 1000 }, (_, i) => `l${i}`))

    // Progress: latest per run.
    sent.length = 0
    for (let p = 1; p <= 50; p++) {
      src.emit('run.progress', progress('A', p))
      src.emit('run.progress', progress('B', p * 2))
    }
    vi.advanceTimersByTime(100)
    const percents = sent.map((m) => [(m.payload as { runId: string }).runId, (m.payload as ReturnType<typeof progress>).progress.percent])
    expect(percents[0]).toEqual(['A', 1])
    expect(percents.slice(1).sort()).toEqual([
      ['A', 50],
      ['B', 100],
    ])

    // monitor.sample: latest only, at most every 500 ms.
    sent.length = 0
    for (let t = 0; t < 1000; t += 50) {
      src.emit('monitor.sample', { at: t })
      vi.advanceTimersByTime(50)
    }
    vi.advanceTimersByTime(500)
    expect(sent.map((m) => (m.payload as unknown as { at: number }).at)).toEqual([0, 450, 950])

    stop()
    expect(src.subscribed).toBe(false)
  })

  it('sends pending throttled events before a later ordinary one', () => {
    vi.useFakeTimers()
    const src = source()
    const sent: EventMessage[] = []
    forwardEvents(src, (m) => sent.push(m))
    src.emit('run.progress', progress('A', 10))
    src.emit('run.progress', progress('A', 99))
    src.emit('run.log', { lines: [line('A', 'last')] })
    src.emit('run.changed', { run: { id: 'A', status: 'succeeded' } })
    expect(sent.map((m) => m.name)).toEqual(['run.progress', 'run.log', 'run.progress', 'run.changed'])
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(4)
  })

  it('keeps each batch its own: the payload the bus shares is never mutated', () => {
    vi.useFakeTimers()
    const src = source()
    const sent: EventMessage[] = []
    forwardEvents(src, (m) => sent.push(m))
    const first = { lines: [line('A', 'one')] }
    const second = { lines: [line('A', 'two')] }
    const third = { lines: [line('A', 'three')] }
    src.emit('run.log', first)
    src.emit('run.log', second)
    src.emit('run.log', third)
    vi.advanceTimersByTime(100)
    expect(first.lines).toHaveLength(1)
    expect(second.lines).toHaveLength(1)
    expect((sent[1] as EventMessage<'run.log'>).payload.lines.map((l) => l.text)).toEqual(['two', 'three'])
  })
})
