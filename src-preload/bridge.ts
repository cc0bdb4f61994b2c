// The object exposed as window.jobdeck: one function per API method (straight from API_METHODS,
// so a new method needs no edit here) plus `on` for engine events. Nothing else crosses.
import { API_METHODS, apiChannel, EVENT_CHANNEL, type JobdeckBridge } from '../src-shared/bridge'
import type { EventName } from '../src-shared/events'

/** The parts of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export function createBridge(ipc: IpcRendererLike): JobdeckBridge {
  const subscribers = new Map<string, Set<(payload: unknown) => void>>()
  let listening = false
  const deliver = (_event: unknown, message: unknown): void => {
    if (typeof message !== 'object' || message === null) return
    const { name, payload } = message as { name?: unknown; payload?: unknown }
    if (typeof name !== 'string') return
    for (const listener of subscribers.get(name) ?? []) {
      try {
        listener(payload)
      } catch (error) {
        console.error(`jobdeck: a listener of ${name} threw`, error)
      }
    }
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
    let set = subscribers.get(event)
    if (!set) {
      set = new Set()
      subscribers.set(event, set)
    }
    const own = (payload: unknown): void => listener(payload)
    set.add(own)
    return () => {
      set.delete(own)
    }
  }
  return Object.freeze(bridge) as unknown as JobdeckBridge
}
