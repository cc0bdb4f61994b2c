// The renderer's WebSocket bridge against the real headless server, in Node (the `ws` package's
// WebSocket stands in for the browser's, sending the Origin and cookie a browser would).
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { API_METHODS } from '../src-shared/bridge'
import type { Job } from '../src-shared/domain'
import type { CreatedToken } from '../src-shared/access'
import { SIGNED_OUT_REASON } from '../src-shared/wire'
import { DESKTOP } from '../src-main/core/access/callers'
import type { Core } from '../src-main/core/core'
import { dispatch } from '../src-main/core/services/dispatch'
import { makeTestEnv, waitFor, type TestEnv } from '../src-main/core/test-support/test-env'
import { startServer, type JobdeckServer } from '../src-main/server/server'
import { createWsBridge, pageSessionProbe, socketUrl, type LinkState, type SocketFactory, type WsBridge } from '../src-renderer/ws-bridge'

const CONFIG = `
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}", "{tag}"]
    params:
      ms: { type: integer, default: 20 }
      tag: { type: string, default: x }
`

let env: TestEnv
let server: JobdeckServer | null = null
let bridge: WsBridge | null = null

afterEach(async () => {
  bridge?.close()
  bridge = null
  await server?.close()
  server = null
  env.cleanup()
})

/** What a browser page served by `srv` would open: its Origin, and the cookie the token URL set. */
function browserSocket(srv: { port: number; token: string }): SocketFactory {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { origin: `http://127.0.0.1:${srv.port}`, headers: { cookie: `jobdeck_token_${srv.port}=${srv.token}` } })
    }
  } as unknown as SocketFactory
}

let core: Core | null = null

async function startAll(port = 0): Promise<JobdeckServer> {
  const staticDir = path.join(env.dir, 'site')
  fs.mkdirSync(staticDir, { recursive: true })
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>')
  core = env.open()
  core.startRunner()
  server = await startServer({ core, staticDir, port, token: 'c'.repeat(64), log: () => {} })
  return server
}

/** A page signed in at /login with `secret`: its Origin and its sign-in cookie. */
function signedInSocket(port: number, secret: string): SocketFactory {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { origin: `http://127.0.0.1:${port}`, headers: { cookie: `jobdeck_login_${port}=${encodeURIComponent(secret)}` } })
    }
  } as unknown as SocketFactory
}

/** Counts the bridge's connection attempts. */
function counted(factory: SocketFactory): { factory: SocketFactory; attempts: () => number } {
  let attempts = 0
  const Counted = class extends (factory as unknown as typeof WebSocket) {
    constructor(url: string) {
      super(url)
      attempts++
    }
  }
  return { factory: Counted as unknown as SocketFactory, attempts: () => attempts }
}

async function adminCall<T>(method: 'tokens.create' | 'tokens.revoke', args: unknown): Promise<T> {
  if (!core) throw new Error('no core')
  const result = await dispatch(core, method, args, DESKTOP)
  if (!result.ok) throw new Error(`${method}: ${result.error.message}`)
  return result.value as T
}

describe('renderer WebSocket bridge', () => {
  it('has exactly the preload bridge shape: every API method plus on', async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    bridge = createWsBridge({ url: `ws://127.0.0.1:${srv.port}/ws`, WebSocket: browserSocket(srv) })
    const own = new Set(['onLinkState', 'close'])
    expect(Object.keys(bridge).filter((k) => !own.has(k)).sort()).toEqual([...API_METHODS, 'on'].sort())
  })

  it('calls the API (queued until connected) and receives events', async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    bridge = createWsBridge({ url: `ws://127.0.0.1:${srv.port}/ws`, WebSocket: browserSocket(srv) })
    const changes: Job[] = []
    bridge.on('job.changed', ({ job }) => changes.push(job))
    // Sent before the socket is open.
    const enqueued = await bridge['jobs.enqueue']({ type: 'nap', params: { tag: 'bridge' } })
    expect(enqueued.ok).toBe(true)
    if (!enqueued.ok) return
    await waitFor(() => changes.some((j) => j.id === enqueued.value.id && j.status === 'succeeded'), 20_000, 'succeeded event')
    const bad = await bridge['jobs.enqueue']({ type: 'nap', params: { ms: 'soon' } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
  })

  it('reconnects after the server comes back, and fails calls cleanly meanwhile', async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    const { port, token } = srv
    const states: LinkState[] = []
    bridge = createWsBridge({ url: `ws://127.0.0.1:${port}/ws`, WebSocket: browserSocket({ port, token }), minDelayMs: 20, maxDelayMs: 100, queueTimeoutMs: 200 })
    bridge.onLinkState((s) => states.push(s))
    expect((await bridge['runner.status']({})).ok).toBe(true)

    await srv.close()
    server = null
    await waitFor(() => states.includes('closed'), 5_000, 'closed')
    const meanwhile = await bridge['runner.status']({})
    expect(meanwhile).toMatchObject({ ok: false, error: { code: 'unavailable' } })

    // Same port and token, as a restarted `jobdeck serve --port` would have after a reload.
    server = await startServer({ core: env.open(), staticDir: path.join(env.dir, 'site'), port, token, log: () => {} })
    await waitFor(() => states.at(-1) === 'open', 10_000, 'reconnected')
    expect((await bridge['config.get']({})).ok).toBe(true)
  })

  it('refuses a call larger than the server takes before sending it, naming the limit', async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    bridge = createWsBridge({ url: `ws://127.0.0.1:${srv.port}/ws`, WebSocket: browserSocket(srv) })
    const huge = await bridge['jobs.enqueueBulk']({ type: 'nap', rows: [{ tag: 'x'.repeat(17 * 1024 * 1024) }] })
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!huge.ok && huge.error.message).toMatch(/^jobs\.enqueueBulk: the call is 17 MiB, more than the 16 MiB Jobdeck takes in one message/)
    expect((await bridge['config.get']({})).ok).toBe(true)
  })

  it('a call the server refuses as too large says the server\'s reason', async () => {
    env = makeTestEnv(CONFIG)
    fs.mkdirSync(path.join(env.dir, 'site'), { recursive: true })
    fs.writeFileSync(path.join(env.dir, 'site', 'index.html'), '<!doctype html>')
    server = await startServer({ core: env.open(), staticDir: path.join(env.dir, 'site'), token: 'c'.repeat(64), maxPayload: 1024, log: () => {} })
    bridge = createWsBridge({ url: `ws://127.0.0.1:${server.port}/ws`, WebSocket: browserSocket(server) })
    const refused = await bridge['jobs.enqueue']({ type: 'nap', params: { tag: 'x'.repeat(2048) } })
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(!refused.ok && refused.error.message).toMatch(/the server closed it: message too large: this server takes at most 1\.0 KiB per message/)
  })

  it('a window signed in with a token is signed out when the token is revoked: no more reconnects, and its calls say why', async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    const made = await adminCall<CreatedToken>('tokens.create', { name: 'wall-screen', role: 'viewer' })
    const socket = counted(signedInSocket(srv.port, made.secret))
    const states: LinkState[] = []
    bridge = createWsBridge({ url: `ws://127.0.0.1:${srv.port}/ws`, WebSocket: socket.factory, minDelayMs: 20, maxDelayMs: 100 })
    bridge.onLinkState((s) => states.push(s))
    expect(await bridge['session.get']({})).toEqual({ ok: true, value: { who: 'wall-screen', role: 'viewer' } })

    await adminCall('tokens.revoke', { name: 'wall-screen' })
    await waitFor(() => states.includes('signed-out'), 10_000, 'signed out')
    expect(states.at(-1)).toBe('signed-out')
    const after = await bridge['runner.status']({})
    expect(after).toEqual({ ok: false, error: { code: 'unauthorized', message: `runner.status: ${SIGNED_OUT_REASON}` } })
    // Ten reconnect delays later, still the one connection.
    await new Promise((r) => setTimeout(r, 1_000))
    expect(socket.attempts()).toBe(1)
  })

  it("the owner's window is signed out when its reconnects are refused (the server restarted with another token), and only waits while the server is down", async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    const { port, token } = srv
    const cookie = `jobdeck_token_${port}=${token}`
    const socket = counted(browserSocket({ port, token }))
    const states: LinkState[] = []
    bridge = createWsBridge({
      url: `ws://127.0.0.1:${port}/ws`,
      WebSocket: socket.factory,
      minDelayMs: 20,
      maxDelayMs: 100,
      sessionProbe: () => pageSessionProbe((input, init) => fetch(input, { ...init, headers: { cookie } }), `http://127.0.0.1:${port}/`),
    })
    bridge.onLinkState((s) => states.push(s))
    expect((await bridge['runner.status']({})).ok).toBe(true)

    await srv.close()
    server = null
    // Nobody answers: not a refusal, the bridge keeps trying.
    await waitFor(() => socket.attempts() >= 4, 10_000, 'reconnect attempts while the server is down')
    expect(states).not.toContain('signed-out')

    // The same port with another owner token: the old cookie opens nothing any more.
    server = await startServer({ core: env.open(), staticDir: path.join(env.dir, 'site'), port, token: 'd'.repeat(64), log: () => {} })
    await waitFor(() => states.at(-1) === 'signed-out', 10_000, 'signed out')
    expect(await bridge['config.get']({})).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
  })

  it('the session probe: the page served is signed in, a redirect to /login is signed out, no answer is unknown', async () => {
    env = makeTestEnv(CONFIG)
    const srv = await startAll()
    const page = `http://127.0.0.1:${srv.port}/`
    const withCookie = (cookie: string): typeof fetch => (input, init) => fetch(input, { ...init, headers: { cookie } })
    await expect(pageSessionProbe(withCookie(`jobdeck_token_${srv.port}=${srv.token}`), page)).resolves.toBe(true)
    await expect(pageSessionProbe(withCookie(`jobdeck_token_${srv.port}=${'e'.repeat(64)}`), page)).resolves.toBe(false)
    await srv.close()
    server = null
    await expect(pageSessionProbe(withCookie(`jobdeck_token_${srv.port}=${srv.token}`), page)).resolves.toBeNull()
  })

  it('builds the socket URL from the page location', () => {
    env = makeTestEnv(CONFIG)
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:4000', search: '?token=abc' })).toBe('ws://127.0.0.1:4000/ws?token=abc')
    expect(socketUrl({ protocol: 'https:', host: 'jobs.example', search: '' })).toBe('wss://jobs.example/ws')
  })
})
