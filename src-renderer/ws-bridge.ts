// The bridge of a renderer loaded from the headless server (`jobdeck serve`) in any browser: the
// same shape as the preload's bridge, built from API_METHODS, carried over a WebSocket.
// It reconnects with backoff; a call sent on a connection that then drops resolves
// `unavailable` (it may or may not have run), a call made while disconnected waits for the
// connection for a while. A window signed in with an API token is signed out for good when the
// token is revoked or expires: the server closes its socket saying so, or (when that close was
// missed) refuses its reconnects, which a browser cannot tell from a server that is down, so
// after each refused attempt `sessionProbe` asks the page's own URL. Signed out, the bridge stops
// reconnecting and answers every call `unauthorized`. This file touches no globals: the URL,
// WebSocket and fetch are given.
import { backoffDelay } from '../src-shared/backoff'
import { createSubscribers } from '../src-shared/subscribers'
import { API_METHODS, type JobdeckBridge } from '../src-shared/bridge'
import type { EventName } from '../src-shared/events'
import { formatBytes } from '../src-shared/units'
import { isEventPushMessage, isResultMessage, MAX_CALL_BYTES, SIGNED_OUT_REASON, signedOut, unavailable, type CallResult } from '../src-shared/wire'

/** A handler property accepting the DOM's and the `ws` package's handler types alike. */
type Handler<E> = { bivariant(event: E): void }['bivariant']

/** What the bridge needs of a WebSocket (the browser's, or the `ws` package's in Node tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: Handler<unknown> | null
  onclose: Handler<unknown> | null
  onerror: Handler<unknown> | null
  onmessage: Handler<{ data: unknown }> | null
}

export type SocketFactory = new (url: string) => SocketLike

export interface WsBridgeOptions {
  /** ws(s)://host/ws (with ?token=… when the page has it). */
  url: string
  WebSocket: SocketFactory
  /** First reconnect delay, doubled per failure up to maxDelayMs. */
  minDelayMs?: number
  maxDelayMs?: number
  /** How long a call made while disconnected waits for a connection. */
  queueTimeoutMs?: number
  /**
   * Asked after a connection attempt that never opened: does the server still take this window's
   * session? false: signed out; true or null (cannot tell, e.g. the server is down): keep trying.
   */
  sessionProbe?: () => Promise<boolean | null>
}

/**
 * This window's link to the engine (the socket), not the shared database's state (`DatabaseState`).
 * `signed-out` is final: the server no longer takes this window's session.
 */
export type LinkState = 'connecting' | 'open' | 'closed' | 'signed-out'

export interface WsBridge extends JobdeckBridge {
  /** Transport state changes (e.g. to show "reconnecting…" and refetch after a reconnect). */
  onLinkState(listener: (state: LinkState) => void): () => void
  close(): void
}

const OPEN = 1

/** The server's WebSocket on the page's origin; the page's ?token= goes along when present. */
export function socketUrl(location: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(location.search).get('token')
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`
}

/**
 * Whether the server still serves this page to this browser (its cookie): a page the server would
 * redirect (to /login) means the session is gone; no answer means the server is not reachable.
 */
export async function pageSessionProbe(fetchPage: typeof fetch, pageUrl: string): Promise<boolean | null> {
  try {
    const res = await fetchPage(pageUrl, { method: 'HEAD', redirect: 'manual' })
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) return false
    return res.ok ? true : null
  } catch {
    return null
  }
}

interface Waiting {
  id: number
  method: string
  text: string
  resolve: (result: CallResult) => void
  timer: ReturnType<typeof setTimeout>
}

/** The server closed the socket because this window's token is no longer valid. */
function signedOutClose(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false
  const { code, reason } = event as { code?: unknown; reason?: unknown }
  return code === 1008 && reason === SIGNED_OUT_REASON
}

/** The server's reason for closing, when it refused something we sent (1009: a message too large). */
function refusal(event: unknown): string | null {
  if (typeof event !== 'object' || event === null) return null
  const { code, reason } = event as { code?: unknown; reason?: unknown }
  if (code !== 1009 && code !== 1007 && code !== 1008) return null
  return typeof reason === 'string' && reason !== '' ? reason : `code ${String(code)}`
}

/** A call the server would refuse unread is refused here, before it is sent, naming the limit. */
function oversize(method: string, text: string): CallResult | null {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most calls need no count.
  if (text.length * 3 <= MAX_CALL_BYTES) return null
  const bytes = new TextEncoder().encode(text).length
  if (bytes <= MAX_CALL_BYTES) return null
  return {
    ok: false,
    error: {
      code: 'invalid_input',
      message: `${method}: the call is ${formatBytes(bytes)}, more than the ${formatBytes(MAX_CALL_BYTES)} Jobdeck takes in one message; send it in parts (fewer rows per bulk add)`,
    },
  }
}

export function createWsBridge(options: WsBridgeOptions): WsBridge {
  const minDelay = options.minDelayMs ?? 250
  const maxDelay = options.maxDelayMs ?? 10_000
  const queueTimeout = options.queueTimeoutMs ?? 15_000
  let socket: SocketLike | null = null
  let failures = 0
  let closed = false
  /** Signed out: final, like `closed`, but the calls say why. */
  let gone = false
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null
  let nextId = 1
  /** Sent on the current socket, awaiting results. */
  const inFlight = new Map<number, { method: string; resolve: (result: CallResult) => void }>()
  /** Waiting for a socket. */
  let waiting: Waiting[] = []
  const subscribers = createSubscribers()
  const linkListeners = new Set<(state: LinkState) => void>()

  const announce = (state: LinkState): void => {
    for (const listener of linkListeners) listener(state)
  }

  const onMessage = (data: unknown): void => {
    let message: unknown
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data))
    } catch {
      return
    }
    if (isResultMessage(message)) {
      const pending = inFlight.get(message.id)
      if (!pending) return
      inFlight.delete(message.id)
      pending.resolve(message.result)
    } else if (isEventPushMessage(message)) {
      subscribers.deliver(message.name, message.payload)
    }
  }

  const flushWaiting = (ws: SocketLike): void => {
    const queued = waiting
    waiting = []
    for (const call of queued) {
      clearTimeout(call.timer)
      inFlight.set(call.id, { method: call.method, resolve: call.resolve })
      ws.send(call.text)
    }
  }

  const connect = (): void => {
    reconnectTimer = null
    if (closed) return
    announce('connecting')
    let ws: SocketLike
    try {
      ws = new options.WebSocket(options.url)
    } catch {
      scheduleReconnect()
      return
    }
    socket = ws
    let opened = false
    ws.onopen = () => {
      opened = true
      failures = 0
      announce('open')
      flushWaiting(ws)
    }
    ws.onmessage = (event) => onMessage(event.data)
    ws.onerror = () => {
      // onclose follows
    }
    ws.onclose = (event) => {
      if (socket !== ws) return
      socket = null
      const lost = [...inFlight.values()]
      inFlight.clear()
      if (signedOutClose(event)) {
        for (const { method, resolve } of lost) resolve(signedOut(`${method}: ${SIGNED_OUT_REASON}`))
        signOut()
        return
      }
      const why = refusal(event)
      for (const { method, resolve } of lost) {
        resolve(unavailable(`${method}: the connection to Jobdeck was lost before it answered${why === null ? '' : ` (the server closed it: ${why})`}`))
      }
      announce('closed')
      if (opened || !options.sessionProbe) {
        scheduleReconnect()
        return
      }
      void options.sessionProbe().then((stillSignedIn) => {
        if (stillSignedIn === false) signOut()
        else scheduleReconnect()
      })
    }
  }

  /** The session is gone for good: no more reconnects, every waiting and later call refused. */
  const signOut = (): void => {
    if (closed) return
    closed = true
    gone = true
    if (reconnectTimer) clearTimeout(reconnectTimer)
    for (const call of waiting) {
      clearTimeout(call.timer)
      call.resolve(signedOut(`${call.method}: ${SIGNED_OUT_REASON}`))
    }
    waiting = []
    announce('signed-out')
  }

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer) return
    failures++
    reconnectTimer = setTimeout(connect, backoffDelay({ baseMs: minDelay, maxMs: maxDelay }, failures))
  }

  const callRaw = (method: string, args: unknown): Promise<CallResult> => {
    if (gone) return Promise.resolve(signedOut(`${method}: ${SIGNED_OUT_REASON}`))
    if (closed) return Promise.resolve(unavailable(`${method}: the bridge is closed`))
    const id = nextId++
    const text = JSON.stringify({ kind: 'call', id, method, args: args ?? {} })
    const tooLarge = oversize(method, text)
    if (tooLarge !== null) return Promise.resolve(tooLarge)
    return new Promise<CallResult>((resolve) => {
      const ws = socket
      if (ws && ws.readyState === OPEN) {
        inFlight.set(id, { method, resolve })
        ws.send(text)
        return
      }
      const timer = setTimeout(() => {
        waiting = waiting.filter((w) => w.id !== id)
        resolve(unavailable(`${method}: cannot reach Jobdeck (no connection)`))
      }, queueTimeout)
      waiting.push({ id, method, text, resolve, timer })
    })
  }

  const bridge: Record<string, unknown> = {}
  for (const method of API_METHODS) bridge[method] = (args: unknown) => callRaw(method, args)
  bridge.on = (event: EventName, listener: (payload: unknown) => void): (() => void) => subscribers.add(event, listener)
  bridge.onLinkState = (listener: (state: LinkState) => void): (() => void) => {
    linkListeners.add(listener)
    return () => {
      linkListeners.delete(listener)
    }
  }
  bridge.close = (): void => {
    if (closed) return
    closed = true
    if (reconnectTimer) clearTimeout(reconnectTimer)
    const ws = socket
    socket = null
    ws?.close(1000, 'bridge closed')
    for (const { method, resolve } of inFlight.values()) resolve(unavailable(`${method}: the bridge was closed`))
    inFlight.clear()
    for (const call of waiting) {
      clearTimeout(call.timer)
      call.resolve(unavailable(`${call.method}: the bridge was closed`))
    }
    waiting = []
    announce('closed')
  }

  connect()
  return bridge as unknown as WsBridge
}
