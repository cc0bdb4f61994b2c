// The only renderer file that touches window.jobdeck (DESIGN.md "Layout"). In the desktop app the
// preload provides it; in a browser served by `jobdeck serve` the same bridge comes over a
// WebSocket. Views call `call()` and `on()` and never see which.
import type { ApiInput, ApiMethod, ApiResults } from '../src-shared/api'
import type { ApiResult, DesktopBridge, JobdeckBridge } from '../src-shared/bridge'
import type { ErrorCode } from '../src-shared/errors'
import type { EventMap, EventName } from '../src-shared/events'
import { SIGNED_OUT_PAGE } from '../src-shared/wire'
import { createWsBridge, pageSessionProbe, socketUrl, type LinkState, type WsBridge } from './ws-bridge'

export type { LinkState } from './ws-bridge'

/** How this renderer reaches the engine: Electron IPC (preload) or the server's WebSocket. */
export type TransportKind = 'ipc' | 'websocket'

let bridge: JobdeckBridge | null = null
let wsBridge: WsBridge | null = null
/** The WebSocket's last announced state; the preload's IPC is always `open`. */
let link: LinkState = 'open'
const linkListeners = new Set<(state: LinkState) => void>()

export function getBridge(): JobdeckBridge {
  if (bridge) return bridge
  if (window.jobdeck) {
    bridge = window.jobdeck
  } else {
    link = 'connecting'
    const page = `${window.location.pathname}${window.location.search}`
    wsBridge = createWsBridge({
      url: socketUrl(window.location),
      WebSocket,
      sessionProbe: () => pageSessionProbe((input, init) => fetch(input, init), page),
    })
    wsBridge.onLinkState((state) => {
      link = state
      for (const listener of linkListeners) listener(state)
      // Its token revoked or expired, this window can do nothing more: the sign-in page says why.
      if (state === 'signed-out') window.location.replace(SIGNED_OUT_PAGE)
    })
    bridge = wsBridge
  }
  return bridge
}

export function transportKind(): TransportKind {
  getBridge()
  return wsBridge ? 'websocket' : 'ipc'
}

/** The transport's state now (`open` for Electron IPC). */
export function linkState(): LinkState {
  getBridge()
  return link
}

/**
 * Follows the transport's connection (WebSocket: connecting / open / closed, reconnecting by
 * itself). Electron IPC never changes, so there the listener is never called.
 */
export function onLinkState(listener: (state: LinkState) => void): () => void {
  getBridge()
  if (!wsBridge) return () => {}
  linkListeners.add(listener)
  return () => {
    linkListeners.delete(listener)
  }
}

/** An API call that failed: `code` says what kind of failure, `details` carries the specifics. */
export class ApiError extends Error {
  constructor(
    readonly method: ApiMethod,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Calls an API method; resolves with its value or throws an ApiError. */
export async function call<M extends ApiMethod>(method: M, args: ApiInput<M>): Promise<ApiResults[M]> {
  const invoke = getBridge()[method] as unknown as (args: ApiInput<M>) => Promise<ApiResult<ApiResults[M]>>
  const result = await invoke(args)
  if (result.ok) return result.value as ApiResults[M]
  throw new ApiError(method, result.error.code, result.error.message, result.error.details)
}

/** The desktop app's own settings (notifications, close, keychain); null in a browser (`jobdeck serve`). */
export function desktopBridge(): DesktopBridge | null {
  return window.jobdeck?.desktop ?? null
}

/** Subscribes to an engine event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
  return getBridge().on(event, listener)
}
