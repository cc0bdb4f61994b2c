// The headless transport (DESIGN.md "One API, three transports"): the built renderer over HTTP(S)
// and the API over a WebSocket at /ws — `{kind:'call', id, method, args}` in, `{kind:'result',
// id, result}` and `{kind:'event', name, payload}` out, through the same dispatch and event relay
// as the other transports — and, for other programs, the same API as `POST /api/v1/<method>`
// with a bearer token (http-api.ts), `/healthz` and `/metrics`.
// The window's session: the owner opens the printed URL (`?token=` sets an HttpOnly SameSite=Strict
// cookie; caller `browser`, admin); anyone else signs in at /login with an API token, kept in a
// cookie of its own and checked again at every call (a revoked token stops within a second, even
// on an open socket). The upgrade must come from the server's own origin. Loopback only unless told.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import type { Caller } from '../../src-shared/access'
import type { JobdeckApi } from '../../src-shared/api'
import { formatBytes } from '../../src-shared/units'
import { isCallMessage, MAX_CALL_BYTES, SIGNED_OUT_PARAM, SIGNED_OUT_REASON, signedOut } from '../../src-shared/wire'
import { relayEvents, type ThrottlePolicy } from '../core/events/event-throttle'
import { dispatch } from '../core/services/dispatch'
import { BROWSER_OWNER } from '../core/access/callers'
import { resolveStatic } from './static-files'
import { bearerCaller, refuseBearer, serveHttpApi, type HttpApiCore } from './http-api'
import { healthz, type HealthSource } from './healthz'
import { html, json, plain, redirect, SECURITY_HEADERS } from './http-reply'
import { LOGIN_CSP, LOGIN_FORM_LIMIT, LOGIN_PATH, LOGOUT_PATH, loginPage, tokenFromForm } from './login-page'
import { API_PREFIX, buildOpenApiDocument } from './openapi'
import { declaredTooLarge, readBody } from './request-body'

export interface ServerCore extends HttpApiCore, HealthSource {
  api: JobdeckApi
  events: { onAny(listener: (name: string, payload: unknown) => void): () => void }
}

/** What `/metrics` answers (metrics.ts builds it from the core). */
export interface MetricsSource {
  contentType: string
  text(): Promise<string>
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
  /** Serve https and wss with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** `/metrics`; without it the path is not found. */
  metrics?: MetricsSource
  log?: (line: string) => void
  throttle?: Readonly<Record<string, ThrottlePolicy>>
  /** How often idle WebSockets are pinged (dead peers are dropped). */
  heartbeatMs?: number
  /** Largest WebSocket message and HTTP body accepted; default MAX_CALL_BYTES (a bulk add of 100 000 rows fits). */
  maxPayload?: number
  /** How often open sockets signed in with a token check it is still valid; default 1 s. */
  sessionCheckMs?: number
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
  `Forbidden: this Jobdeck server needs its access token. Open the URL printed by \`jobdeck serve\` (it ends in ?token=…), or sign in with an API token at ${LOGIN_PATH}.\n`

/** Who a browser request is: the owner, a token signed in at /login (checked again at each call), or nobody. */
type Session = { kind: 'owner'; viaQuery: boolean } | { kind: 'token'; secret: string; caller: Caller } | { kind: 'none' }

const isPage = (pathname: string): boolean => pathname === '/' || pathname.endsWith('.html')

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
  const core = options.core
  const secure = options.tls !== undefined
  const scheme = secure ? 'https' : 'http'
  const maxPayload = options.maxPayload ?? MAX_CALL_BYTES
  if (!fs.existsSync(staticDir)) throw new Error(`the renderer folder ${staticDir} does not exist`)
  const openApiText = JSON.stringify(buildOpenApiDocument())
  let ownerCookie = 'jobdeck_token'
  let loginCookie = 'jobdeck_login'
  let stopping = false
  const cookieFlags = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`

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

  /** A browser's request from a page of this server (not another site posting with our cookie). */
  const sameOrigin = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin
    return origin !== undefined && origin === `${scheme}://${req.headers.host ?? ''}`
  }

  const sessionOf = async (req: http.IncomingMessage, url: URL): Promise<Session> => {
    const viaQuery = sameSecret(url.searchParams.get('token'), token)
    if (viaQuery || sameSecret(cookieValue(req.headers.cookie, ownerCookie), token)) return { kind: 'owner', viaQuery }
    const signedIn = cookieValue(req.headers.cookie, loginCookie)
    if (signedIn === undefined) return { kind: 'none' }
    let secret: string
    try {
      secret = decodeURIComponent(signedIn)
    } catch {
      return { kind: 'none' }
    }
    const caller = await core.tokens.verify(secret).catch(() => null)
    return caller ? { kind: 'token', secret, caller } : { kind: 'none' }
  }

  const serveLogin = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      html(res, 200, loginPage(url.searchParams.has(SIGNED_OUT_PARAM) ? 'signed-out' : 'sign-in'), LOGIN_CSP)
      return
    }
    if (req.method !== 'POST') {
      plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD, POST' })
      return
    }
    if (!sameOrigin(req)) {
      plain(res, 403, 'Forbidden: sign in from this server\'s own page\n')
      return
    }
    if (declaredTooLarge(req, LOGIN_FORM_LIMIT)) {
      plain(res, 413, 'The form is too large\n', { Connection: 'close' })
      return
    }
    const body = await readBody(req, LOGIN_FORM_LIMIT)
    if (!body.ok) {
      if (body.reason === 'aborted') res.destroy()
      else plain(res, body.reason === 'too_large' ? 413 : 400, 'Bad sign-in form\n', { Connection: 'close' })
      return
    }
    const secret = tokenFromForm(body.text)
    const caller = secret === null ? null : await core.tokens.verify(secret).catch(() => null)
    if (secret === null || caller === null) {
      html(res, 401, loginPage('refused'), LOGIN_CSP)
      return
    }
    redirect(res, '/', { 'Set-Cookie': `${loginCookie}=${encodeURIComponent(secret)}; ${cookieFlags}` })
  }

  const serveLogout = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method !== 'POST') {
      plain(res, 405, 'Method not allowed\n', { Allow: 'POST' })
      return
    }
    if (!sameOrigin(req)) {
      plain(res, 403, 'Forbidden: sign out from this server\'s own page\n')
      return
    }
    const expired = `; ${cookieFlags}; Max-Age=0`
    redirect(res, LOGIN_PATH, { 'Set-Cookie': [`${loginCookie}=${expired}`, `${ownerCookie}=${expired}`] })
  }

  const serveMetrics = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!options.metrics) {
      plain(res, 404, 'Not found\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' })
      return
    }
    const bearer = await bearerCaller(req, core.tokens)
    if (!bearer.ok) {
      refuseBearer(res, bearer)
      return
    }
    const text = await options.metrics.text()
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': options.metrics.contentType, 'Cache-Control': 'no-store' })
    res.end(req.method === 'HEAD' ? undefined : text)
  }

  const serveApp = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const session = await sessionOf(req, url)
    if (session.kind === 'none') {
      if ((req.method === 'GET' || req.method === 'HEAD') && isPage(url.pathname)) redirect(res, LOGIN_PATH)
      else plain(res, 403, FORBIDDEN_TEXT)
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
    if (session.kind === 'owner' && session.viaQuery) headers['Set-Cookie'] = `${ownerCookie}=${token}; ${cookieFlags}`
    res.writeHead(200, headers)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = fs.createReadStream(found.file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
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
    const pathname = url.pathname
    if (pathname.startsWith(API_PREFIX)) return serveHttpApi(req, res, pathname, { core, maxBody: maxPayload, openApiText })
    if (pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' })
      const state = await healthz(core, stopping)
      return json(res, state.status === 'down' ? 503 : 200, state)
    }
    if (pathname === '/metrics') return serveMetrics(req, res)
    if (pathname === LOGIN_PATH) return serveLogin(req, res, url)
    if (pathname === LOGOUT_PATH) return serveLogout(req, res)
    return serveApp(req, res, url)
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    route(req, res).catch((error: unknown) => {
      log(`error answering ${req.method ?? '?'} ${(req.url ?? '').split('?')[0] ?? ''}: ${(error as Error).message}`)
      if (!res.headersSent) plain(res, 500, 'Internal error\n')
      else res.destroy()
    })
  }
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest)

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
    void sessionOf(req, url).then((session) => {
      if (!hostHeaderOk(req) || session.kind === 'none') {
        refuseUpgrade(socket, 403, FORBIDDEN_TEXT)
        return
      }
      // A page elsewhere cannot open our socket with the operator's cookie: the Origin must be ours.
      if (!sameOrigin(req)) {
        log(`refused a WebSocket from origin ${req.headers.origin ?? '(none)'}`)
        refuseUpgrade(socket, 403, 'Forbidden: the WebSocket must come from this server\'s own page\n')
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, session.kind === 'token' ? session.secret : null))
    })
  })

  const alive = new WeakMap<WebSocket, boolean>()
  /** Sockets signed in with a token, by the token's secret. */
  const signedIn = new Map<WebSocket, string>()

  /** The caller of a call on this socket: the owner, or the token's caller as of now (null: revoked or expired). */
  const callerOf = async (secret: string | null): Promise<Caller | null> =>
    secret === null ? BROWSER_OWNER : await core.tokens.verify(secret).catch(() => null)

  const serveSocket = (ws: WebSocket, secret: string | null): void => {
    alive.set(ws, true)
    if (secret !== null) signedIn.set(ws, secret)
    ws.on('pong', () => alive.set(ws, true))
    const send = (message: object): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message))
    }
    const stopRelay = relayEvents(core.events, (name, payload) => send({ kind: 'event', name, payload }), options.throttle)
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
      void callerOf(secret).then(async (caller) => {
        if (caller === null) {
          send({ kind: 'result', id: call.id, result: signedOut(SIGNED_OUT_REASON) })
          ws.close(1008, SIGNED_OUT_REASON)
          return
        }
        send({ kind: 'result', id: call.id, result: await dispatch(core, call.method, call.args, caller) })
      })
    })
    ws.on('close', () => {
      stopRelay()
      signedIn.delete(ws)
    })
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

  // A socket signed in with a token also stops hearing events once the token is revoked or expired.
  const sessionCheck = setInterval(() => {
    for (const [ws, secret] of signedIn) {
      void callerOf(secret).then((caller) => {
        if (caller === null && ws.readyState === WebSocket.OPEN) ws.close(1008, SIGNED_OUT_REASON)
      })
    }
  }, options.sessionCheckMs ?? 1000)
  sessionCheck.unref()

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
  ownerCookie = `jobdeck_token_${port}`
  loginCookie = `jobdeck_login_${port}`
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : net.isIPv6(host) ? `[${host}]` : host
  const url = `${scheme}://${shownHost}:${port}/`
  if (!loopback) {
    log(
      `warning: Jobdeck is listening on ${host}:${port}, reachable from other machines; anyone with the token controls it` +
        (secure ? '' : ' and the connection is not encrypted (prefer the default 127.0.0.1 with an SSH tunnel, or --tls-cert/--tls-key)'),
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
        stopping = true
        clearInterval(heartbeat)
        clearInterval(sessionCheck)
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
