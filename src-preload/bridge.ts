// The object exposed as window.jobdeck: one function per API method (straight from API_METHODS,
// so a new method needs no edit here), `on` for engine events, and `desktop` for the desktop app's
// own settings. Nothing else crosses.
import { createSubscribers } from '../src-shared/subscribers'
import { API_METHODS, apiChannel, EVENT_CHANNEL, type DesktopBridge, type JobdeckBridge } from '../src-shared/bridge'
import { DESKTOP_CHANNELS, type DesktopState, type Diagnostics, type OpenedLogs } from '../src-shared/desktop'
import type { ApiResult } from '../src-shared/bridge'
import type { EventName } from '../src-shared/events'

/** The parts of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export function createBridge(ipc: IpcRendererLike): JobdeckBridge {
  const subscribers = createSubscribers()
  let listening = false
  const deliver = (_event: unknown, message: unknown): void => {
    if (typeof message !== 'object' || message === null) return
    const { name, payload } = message as { name?: unknown; payload?: unknown }
    if (typeof name !== 'string') return
    subscribers.deliver(name, payload)
  }

  const bridge: Record<string, unknown> = {}
  for (const method of API_METHODS) {
    bridge[method] = (args: unknown) => ipc.invoke(apiChannel(method), args)
  }
  bridge.on = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('jobdeck.on: expected a listener function')
    if (!listening) {
      // One IPC listener for all subscriptions; the event object never reaches the page.
      ipc.on(EVENT_CHANNEL, deliver)
      listening = true
    }
    return subscribers.add(event, listener)
  }
  const desktop: DesktopBridge = {
    get: () => ipc.invoke(DESKTOP_CHANNELS.get) as Promise<ApiResult<DesktopState>>,
    update: (patch) => ipc.invoke(DESKTOP_CHANNELS.update, patch) as Promise<ApiResult<DesktopState>>,
    openLogs: () => ipc.invoke(DESKTOP_CHANNELS.openLogs) as Promise<ApiResult<OpenedLogs>>,
    diagnostics: () => ipc.invoke(DESKTOP_CHANNELS.diagnostics) as Promise<ApiResult<Diagnostics>>,
  }
  bridge.desktop = Object.freeze(desktop)
  return Object.freeze(bridge) as unknown as JobdeckBridge
}
