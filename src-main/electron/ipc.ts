// The Electron transport (DESIGN.md "One API, three transports"): one ipcMain.handle channel per
// API method, straight from API_METHODS — a new method needs no edit here. Each call must come
// from our window's top frame showing our app entry; its input is parsed by the method's schema
// here, before it crosses into the engine process. Events go the other way on EVENT_CHANNEL,
// high-rate ones coalesced.
import type { ApiMethod } from '../../src-shared/api'
import { API_METHODS, apiChannel, type ApiResult, type EventMessage } from '../../src-shared/bridge'
import { DESKTOP_CHANNELS, desktopSettingsPatchSchema, type DesktopSettingsPatch, type DesktopState } from '../../src-shared/desktop'
import type { CallResult } from '../../src-shared/wire'
import { relayEvents, type ThrottlePolicy } from '../core/events/event-throttle'
import { parseApiInput } from '../core/services/dispatch'
import { isNavigationAllowed } from './navigation'

/** The parts of a WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string
  readonly parent: unknown
  readonly frameTreeNodeId?: number
}

/** The parts of an IpcMainInvokeEvent the handlers read. */
export interface InvokeEventLike {
  readonly sender: unknown
  readonly senderFrame: FrameLike | null
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

export interface RegisterApiOptions {
  /** Relays a schema-checked call (the engine parses it again: it trusts no transport). */
  call: (method: ApiMethod, args: unknown) => Promise<CallResult>
  isTrustedSender: (event: InvokeEventLike) => boolean
  log?: (line: string) => void
}

/** Registers every API method; returns the function that removes them again. */
export function registerApi(ipcMain: IpcMainLike, options: RegisterApiOptions): () => void {
  const log = options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
  for (const method of API_METHODS) {
    ipcMain.handle(apiChannel(method), async (event, rawArgs) => {
      if (!options.isTrustedSender(event)) {
        log(`refused ${method} from an untrusted frame (${event.senderFrame?.url ?? 'unknown'})`)
        throw new Error(`jobdeck: ${method} refused: the caller is not the Jobdeck window`)
      }
      const input = parseApiInput(method, rawArgs)
      if (!input.ok) return input
      return options.call(method, rawArgs ?? {})
    })
  }
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(apiChannel(method))
  }
}

/** Throws (the invoke rejects) unless the call comes from the Jobdeck window, saying so in the log. */
export function senderGuard(options: { isTrustedSender: (event: InvokeEventLike) => boolean; log?: (line: string) => void }): (channel: string, event: InvokeEventLike) => void {
  const log = options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
  return (channel, event) => {
    if (options.isTrustedSender(event)) return
    log(`refused ${channel} from an untrusted frame (${event.senderFrame?.url ?? 'unknown'})`)
    throw new Error(`jobdeck: ${channel} refused: the caller is not the Jobdeck window`)
  }
}

export interface DesktopSettingsHandlers {
  state: () => DesktopState
  update: (patch: DesktopSettingsPatch) => DesktopState
  isTrustedSender: (event: InvokeEventLike) => boolean
  log?: (line: string) => void
}

/**
 * The desktop app's own settings, next to the API and under the same sender check: `get` answers
 * the state, `update` takes a patch parsed by its zod schema. Both answer `{ ok, value | error }`.
 */
export function registerDesktopSettings(ipcMain: IpcMainLike, handlers: DesktopSettingsHandlers): () => void {
  const guard = senderGuard(handlers)
  ipcMain.handle(DESKTOP_CHANNELS.get, (event): ApiResult<DesktopState> => {
    guard(DESKTOP_CHANNELS.get, event)
    return { ok: true, value: handlers.state() }
  })
  ipcMain.handle(DESKTOP_CHANNELS.update, (event, raw): ApiResult<DesktopState> => {
    guard(DESKTOP_CHANNELS.update, event)
    const parsed = desktopSettingsPatchSchema.safeParse(raw ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
      return { ok: false, error: { code: 'invalid_input', message: `desktop settings: ${where}${issue?.message ?? 'invalid input'}` } }
    }
    try {
      return { ok: true, value: handlers.update(parsed.data) }
    } catch (error) {
      return { ok: false, error: { code: 'internal', message: (error as Error).message } }
    }
  })
  return () => {
    ipcMain.removeHandler(DESKTOP_CHANNELS.get)
    ipcMain.removeHandler(DESKTOP_CHANNELS.update)
  }
}

export interface WindowLike {
  isDestroyed(): boolean
  readonly webContents: { readonly mainFrame: FrameLike }
}

/**
 * A call is trusted only from the main window's top frame while it shows the app entry (not a
 * subframe, not another window, not a page it was navigated to).
 */
export function trustedSender(getWindow: () => WindowLike | null, appEntryUrl: () => string): (event: InvokeEventLike) => boolean {
  return (event) => {
    const win = getWindow()
    if (!win || win.isDestroyed()) return false
    const contents = win.webContents
    if (event.sender !== contents) return false
    const frame = event.senderFrame
    if (!frame || frame.parent !== null) return false
    const main = contents.mainFrame
    const isMainFrame =
      frame === main || (frame.frameTreeNodeId !== undefined && frame.frameTreeNodeId === main.frameTreeNodeId)
    return isMainFrame && isNavigationAllowed(frame.url, appEntryUrl())
  }
}

/** Pushes engine events to the window, coalescing run.log, run.progress and monitor.sample. */
export function forwardEvents(
  source: { onAny(listener: (name: string, payload: unknown) => void): () => void },
  send: (message: EventMessage) => void,
  policies?: Readonly<Record<string, ThrottlePolicy>>,
): () => void {
  return relayEvents(source, (name, payload) => send({ name, payload } as EventMessage), policies)
}
