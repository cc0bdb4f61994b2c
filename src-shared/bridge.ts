// The one object every renderer talks to, whatever carries it: Electron IPC (preload) or the
// headless server's WebSocket. Both transports build it from the same method list.
import { apiInputs, type ApiInput, type ApiMethod, type ApiResults } from './api'
import type { DesktopSettingsPatch, DesktopState, Diagnostics, OpenedLogs } from './desktop'
import type { ErrorInfo } from './errors'
import type { EventMap, EventName } from './events'

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo }

export type BridgeMethods = { [M in ApiMethod]: (args: ApiInput<M>) => Promise<ApiResult<ApiResults[M]>> }

export interface BridgeEvents {
  /** Subscribes to an engine event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void
}

/** The desktop app's own settings (src-shared/desktop.ts); only the preload's bridge has them. */
export interface DesktopBridge {
  get(): Promise<ApiResult<DesktopState>>
  update(patch: DesktopSettingsPatch): Promise<ApiResult<DesktopState>>
  /** Opens the folder of the app's log files in the OS file manager. */
  openLogs(): Promise<ApiResult<OpenedLogs>>
  /** Versions, paths, mode and the last log lines, for a bug report. */
  diagnostics(): Promise<ApiResult<Diagnostics>>
}

export type JobdeckBridge = BridgeMethods & BridgeEvents & { readonly desktop?: DesktopBridge }

/** Every API method, in declaration order: transports register exactly these. */
export const API_METHODS = Object.keys(apiInputs) as ApiMethod[]

/** IPC channel of one API method. */
export const apiChannel = (method: ApiMethod): string => `jobdeck:api:${method}`

/** IPC channel on which the main process pushes `{ name, payload }` events to the window. */
export const EVENT_CHANNEL = 'jobdeck:event'

export interface EventMessage<E extends EventName = EventName> {
  name: E
  payload: EventMap[E]
}
