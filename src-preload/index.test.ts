import { afterEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS, apiChannel, EVENT_CHANNEL, type JobdeckBridge } from '../src-shared/bridge'
import { DESKTOP_CHANNELS } from '../src-shared/desktop'

type IpcListener = (event: unknown, ...args: unknown[]) => void

const fake = vi.hoisted(() => ({
  exposeInMainWorld: vi.fn(),
  invoke: vi.fn(async (channel: string, args: unknown) => ({ ok: true, value: { channel, args } })),
  listeners: new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>(),
}))

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: fake.exposeInMainWorld },
  ipcRenderer: {
    invoke: fake.invoke,
    on: (channel: string, listener: IpcListener) => {
      if (!fake.listeners.has(channel)) fake.listeners.set(channel, new Set())
      fake.listeners.get(channel)!.add(listener)
    },
  },
}))

afterEach(() => {
  vi.resetModules()
  fake.exposeInMainWorld.mockReset()
  fake.invoke.mockClear()
  fake.listeners.clear()
})

async function exposed(): Promise<JobdeckBridge> {
  await import('./index')
  expect(fake.exposeInMainWorld).toHaveBeenCalledTimes(1)
  const [key, bridge] = fake.exposeInMainWorld.mock.calls[0] as [string, JobdeckBridge]
  expect(key).toBe('jobdeck')
  return bridge
}

const emit = (message: unknown): void => {
  for (const listener of fake.listeners.get(EVENT_CHANNEL) ?? []) listener({ sender: 'ipc-event' }, message)
}

describe('preload', () => {
  it('exposes exactly one frozen object whose keys are the API methods, on and desktop', async () => {
    const bridge = await exposed()
    expect(Object.keys(bridge).sort()).toEqual([...API_METHODS, 'on', 'desktop'].sort())
    expect(Object.isFrozen(bridge)).toBe(true)
    for (const key of Object.keys(bridge)) {
      if (key !== 'desktop') expect(typeof (bridge as unknown as Record<string, unknown>)[key]).toBe('function')
    }
    expect(Object.isFrozen(bridge.desktop)).toBe(true)
    expect(Object.keys(bridge.desktop!).sort()).toEqual(['diagnostics', 'get', 'openLogs', 'update'])
  })

  it('reaches the desktop settings, the logs folder and the diagnostics on their own channels', async () => {
    const bridge = await exposed()
    await bridge.desktop!.get()
    await bridge.desktop!.update({ quitOnClose: true })
    await bridge.desktop!.openLogs()
    await bridge.desktop!.diagnostics()
    expect(fake.invoke.mock.calls).toEqual([
      [DESKTOP_CHANNELS.get],
      [DESKTOP_CHANNELS.update, { quitOnClose: true }],
      [DESKTOP_CHANNELS.openLogs],
      [DESKTOP_CHANNELS.diagnostics],
    ])
  })

  it('invokes each method on its own channel with its args', async () => {
    const bridge = await exposed()
    for (const method of API_METHODS) {
      const call = bridge[method] as (args: unknown) => Promise<unknown>
      await expect(call({ probe: method })).resolves.toEqual({ ok: true, value: { channel: apiChannel(method), args: { probe: method } } })
    }
    expect(fake.invoke).toHaveBeenCalledTimes(API_METHODS.length)
  })

  it('delivers events by name, payload only, until unsubscribed', async () => {
    const bridge = await exposed()
    const jobs: unknown[] = []
    const runs: unknown[] = []
    const offJobs = bridge.on('job.changed', (payload) => jobs.push(payload))
    bridge.on('run.changed', (payload) => runs.push(payload))
    expect(fake.listeners.get(EVENT_CHANNEL)?.size).toBe(1)
    emit({ name: 'job.changed', payload: { job: { id: 'J1' } } })
    emit({ name: 'run.changed', payload: { run: { id: 'R1' } } })
    emit('garbage')
    offJobs()
    emit({ name: 'job.changed', payload: { job: { id: 'J2' } } })
    expect(jobs).toEqual([{ job: { id: 'J1' } }])
    expect(runs).toEqual([{ run: { id: 'R1' } }])
  })
})
