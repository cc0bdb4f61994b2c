// The renderer's WebSocket bridge against the real headless server, in Node (the `ws` package's
// WebSocket stands in for the browser's, sending the Origin and cookie a browser would).
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { API_METHODS } from '../src-shared/bridge'
import type { Job } from '../src-shared/domain'
import { makeTestEnv, waitFor, type TestEnv } from '../src-main/core/test-support/test-env'
import { startServer, type JobdeckServer } from '../src-main/server/server'
import { createWsBridge, socketUrl, type LinkState, type SocketFactory, type WsBridge } from '../src-renderer/ws-bridge'

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

async function startAll(port = 0): Promise<JobdeckServer> {
  const staticDir = path.join(env.dir, 'site')
  fs.mkdirSync(staticDir, { recursive: true })
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>')
  const core = env.open()
  core.startRunner()
  server = await startServer({ core, staticDir, port, token: 'c'.repeat(64), log: () => {} })
  return server
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

  it('builds the socket URL from the page location', () => {
    env = makeTestEnv(CONFIG)
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:4000', search: '?token=abc' })).toBe('ws://127.0.0.1:4000/ws?token=abc')
    expect(socketUrl({ protocol: 'https:', host: 'jobs.example', search: '' })).toBe('wss://jobs.example/ws')
  })
})
