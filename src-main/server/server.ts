// The headless transport (DESIGN.md "One API, three transports"): the built renderer over HTTP
// and the API over a WebSocket at /ws — `{kind:'call', id, method, args}` in, `{kind:'result',
// id, result}` and `{kind:'event', name, payload}` out, through the same dispatch and event relay
// as the other transports. Everything needs the random token: `?token=` on the first page load
// sets an HttpOnly SameSite=Strict cookie for the assets and the WebSocket; the upgrade must
// also come from the server's own origin. Loopback only unless told otherwise.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import type { JobdeckApi } from '../../src-shared/api'
import { formatBytes } from '../../src-shared/units'
import { isCallMessage, MAX_CALL_BYTES } from '../../src-shared/wire'
import { relayEvents, type ThrottlePolicy } from '../core/events/event-throttle'
import { dispatch, type DispatchTarget } from '../core/services/dispatch'
import { BROWSER_OWNER } from '../core/access/callers'
import { resolveStatic } from './static-files'

export interface ServerCore extends DispatchTarget {
  api: JobdeckApi
  events: { onAny(listener: (name: string, payload: unknown) => void): () => void }
}

export interface ServerOptions {
  core: ServerCore
  /** Default 127.0.0.1. Anything else is reachable from the network: a warning is logged. */
  host?: string
  /** Default 0: any free port. */
  port?: number
  /** The built renderer (out/renderer). */
  staticDir: string
  /** Default: 32 random bytes, hex. */
  token?: string
  log?: (line: string) => void
  throttle?: Readonly<Record<string, ThrottlePolicy>>
  /** How often idle WebSockets are pinged (dead peers are dropped). */
  heartbeatMs?: number
  /** Largest WebSocket message accepted; default MAX_CALL_BYTES (a bulk add of 100 000 rows fits). */
  maxPayload?: number
}

export interface JobdeckServer {
  /** The server's base URL, e.g. http://127.0.0.1:4321/ */
  url: string
  /** The URL to open: the base URL with ?token=… */
  openUrl: string
  token: string
  host: string
  port: number
  close(): Promise<void>
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '')
  if (LOOPBACK_NAMES.has(bare)) return true
  return net.isIPv4(bare) && bare.startsWith('127.')
}

function sameSecret(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

const FORBIDDEN_TEXT =
  'Forbidden: this Jobdeck server needs its access token. Open the URL printed by `jobdeck serve` (it ends in ?token=…).\n'

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  // The first URL carries the token: it must never leave in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
}

function plain(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra })
  res.end(text)
}

function refuseUpgrade(socket: Duplex, status: 400 | 403 | 404, text: string): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[status]
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  )
}

export async function startServer(options: ServerOptions): Promise<JobdeckServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomBytes(32).toString('hex')
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const loopback = isLoopbackHost(host)
  const staticDir = options.staticDir
  if (!fs.existsSync(staticDir)) throw new Error(`the renderer folder ${staticDir} does not exist`)
  let cookieName = 'jobdeck_token'

  /** Loopback binds answer only to loopback host names (a rebound DNS name is not ours). */
  const hostHeaderOk = (req: http.IncomingMessage): boolean => {
    if (!loopback) return true
    const header = req.headers.host
    if (!header) return false
    try {
      return isLoopbackHost(new URL(`http://${header}`).hostname)
    } catch {
      return false
    }
  }

  const authorized = (req: http.IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const viaQuery = sameSecret(url.searchParams.get('token'), token)
    return { ok: viaQuery || sameSecret(cookieValue(req.headers.cookie, cookieName), token), viaQuery }
  }

  const server = http.createServer((req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://jobdeck.invalid')
    } catch {
      plain(res, 400, 'Bad request\n')
      return
    }
    if (!hostHeaderOk(req)) {
      plain(res, 403, 'Forbidden: unexpected Host header\n')
      return
    }
    const auth = authorized(req, url)
    if (!auth.ok) {
      plain(res, 403, FORBIDDEN_TEXT)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' })
      return
    }
    if (url.pathname === '/ws') {
      plain(res, 426, 'This endpoint speaks WebSocket\n', { Upgrade: 'websocket' })
      return
    }
    const found = resolveStatic(staticDir, url.pathname)
    if (!found.ok) {
      plain(res, found.status, `${found.message}\n`)
      return
    }
    const headers: Record<string, string | string[]> = {
      ...SECURITY_HEADERS,
      'Content-Type': found.contentType,
      'Content-Length': String(found.size),
      'Cache-Control': found.contentType.startsWith('text/html') ? 'no-store' : 'no-cache',
    }
    if (auth.viaQuery) headers['Set-Cookie'] = `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`
    res.writeHead(200, headers)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = fs.createReadStream(found.file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  })

  const maxPayload = options.maxPayload ?? MAX_CALL_BYTES
  // ws refuses a larger message from its frame header, before reading it, and closes with 1009
  // and no reason; this socket says the limit, so the client can tell the operator.
  const tooLarge = `message too large: this server takes at most ${formatBytes(maxPayload)} per message`
  class LimitedSocket extends WebSocket {
    override close(code?: number, reason?: string | Buffer): void {
      super.close(code, code === 1009 && reason === undefined ? tooLarge : reason)
    }
  }
  const wss = new WebSocketServer<typeof LimitedSocket>({ noServer: true, maxPayload, WebSocket: LimitedSocket })

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://jobdeck.invalid')
    } catch {
      refuseUpgrade(socket, 400, 'Bad request\n')
      return
    }
    if (url.pathname !== '/ws') {
      refuseUpgrade(socket, 404, 'Not found\n')
      return
    }
    if (!hostHeaderOk(req) || !authorized(req, url).ok) {
      refuseUpgrade(socket, 403, FORBIDDEN_TEXT)
      return
    }
    // A page elsewhere cannot open our socket with the operator's cookie: the Origin must be ours.
    const origin = req.headers.origin
    if (!origin || origin !== `http://${req.headers.host ?? ''}`) {
      log(`refused a WebSocket from origin ${origin ?? '(none)'}`)
      refuseUpgrade(socket, 403, 'Forbidden: the WebSocket must come from this server\'s own page\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws))
  })

  const alive = new WeakMap<WebSocket, boolean>()

  const serveSocket = (ws: WebSocket): void => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    const send = (message: object): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message))
    }
    const stopRelay = relayEvents(options.core.events, (name, payload) => send({ kind: 'event', name, payload }), options.throttle)
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'text frames only')
        return
      }
      let message: unknown
      try {
        message = JSON.parse(data.toString())
      } catch {
        ws.close(1007, 'malformed JSON')
        return
      }
      // `kind` may be left out: `{id, method, args}` is enough.
      const call = typeof message === 'object' && message !== null ? { kind: 'call', ...message } : message
      if (!isCallMessage(call)) {
        ws.close(1008, 'expected {id, method, args}')
        return
      }
      void dispatch(options.core, call.method, call.args, BROWSER_OWNER).then((result) => send({ kind: 'result', id: call.id, result }))
    })
    ws.on('close', stopRelay)
    // A refused message (too large, bad UTF-8) is already being closed with its reason: let the
    // close frame go out; ws destroys the socket if the peer never answers it.
    ws.on('error', () => {
      if (ws.readyState !== WebSocket.CLOSING) ws.terminate()
    })
  }

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }, options.heartbeatMs ?? 30_000)
  heartbeat.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as net.AddressInfo
  const port = address.port
  // Cookies are shared across ports: name ours after the port so two servers do not clash.
  cookieName = `jobdeck_token_${port}`
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : net.isIPv6(host) ? `[${host}]` : host
  const url = `http://${shownHost}:${port}/`
  if (!loopback) {
    log(
      `warning: Jobdeck is listening on ${host}:${port}, reachable from other machines; anyone with the token controls it ` +
        'and the connection is not encrypted (prefer the default 127.0.0.1 with an SSH tunnel)',
    )
  }

  let closing: Promise<void> | null = null
  return {
    url,
    openUrl: `${url}?token=${token}`,
    token,
    host,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat)
        for (const ws of wss.clients) ws.close(1001, 'server stopping')
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await new Promise((r) => setTimeout(r, wss.clients.size > 0 ? 200 : 0))
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        await closed
      })()
      return closing
    },
  }
}
