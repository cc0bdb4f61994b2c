import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Job } from '../../src-shared/domain'
import { MAX_CALL_BYTES } from '../../src-shared/wire'
import type { Core } from '../core/core'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'
import { isLoopbackHost, startServer, type JobdeckServer } from './server'

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
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await server?.close()
  server = null
  env.cleanup()
})

function staticSite(): string {
  const root = path.join(env.dir, 'site')
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Jobdeck</title>')
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log("app")')
  fs.writeFileSync(path.join(root, 'assets', 'app.css'), 'body{}')
  fs.writeFileSync(path.join(root, 'assets', 'logo.svg'), '<svg/>')
  fs.writeFileSync(path.join(root, 'assets', 'blob.xyz'), 'x')
  fs.writeFileSync(path.join(env.dir, 'secret.txt'), 'TOP SECRET')
  fs.symlinkSync(path.join(env.dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'))
  return root
}

async function start(core?: Core, extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<JobdeckServer> {
  env = makeTestEnv(CONFIG)
  const c = core ?? env.open()
  server = await startServer({ core: c, staticDir: staticSite(), token: 'a'.repeat(64), log: () => {}, ...extra })
  return server
}

interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

function request(srv: JobdeckServer, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: rawPath, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const cookieOf = (srv: JobdeckServer): string => `jobdeck_token_${srv.port}=${srv.token}`
const originOf = (srv: JobdeckServer): string => `http://127.0.0.1:${srv.port}`

/** Opens a WebSocket; resolves with it once open, or with the HTTP status that refused it. */
function connect(srv: JobdeckServer, options: { cookie?: string; origin?: string; query?: string } = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws${options.query ?? ''}`, {
      ...(options.origin ? { origin: options.origin } : {}),
      headers: options.cookie ? { cookie: options.cookie } : {},
    })
    sockets.push(ws)
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })
}

function rpc(ws: WebSocket) {
  let nextId = 1
  const results = new Map<number, (r: unknown) => void>()
  const events: Array<{ name: string; payload: unknown }> = []
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { kind: string; id: number; result: unknown; name: string; payload: unknown }
    if (message.kind === 'result') results.get(message.id)?.(message.result)
    if (message.kind === 'event') events.push({ name: message.name, payload: message.payload })
  })
  return {
    events,
    call(method: string, args: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
      const id = nextId++
      return new Promise((resolve) => {
        results.set(id, resolve as (r: unknown) => void)
        ws.send(JSON.stringify({ kind: 'call', id, method, args }))
      })
    },
  }
}

describe('server: HTTP', () => {
  it('sends a page asked for without the token to the sign-in form, and refuses anything else with a plain 403', async () => {
    const srv = await start()
    for (const p of ['/', '/index.html', '/?token=wrong']) {
      const res = await request(srv, p)
      expect(res.status, p).toBe(303)
      expect(res.headers.location, p).toBe('/login')
      expect(res.body, p).toBe('')
    }
    for (const p of ['/assets/app.js', '/ws']) {
      const res = await request(srv, p)
      expect(res.status, p).toBe(403)
      expect(res.headers['content-type']).toMatch(/^text\/plain/)
      expect(res.body).toMatch(/needs its access token.*sign in with an API token at \/login/)
    }
    expect((await request(srv, '/', { cookie: `jobdeck_token_${srv.port}=${'b'.repeat(64)}` })).status).toBe(303)
    expect((await request(srv, '/assets/app.js', { cookie: `jobdeck_token_${srv.port}=${'b'.repeat(64)}` })).status).toBe(403)
  })

  it('sets an HttpOnly SameSite=Strict cookie on the token URL, which then opens the assets', async () => {
    const srv = await start()
    expect(srv.openUrl).toBe(`http://127.0.0.1:${srv.port}/?token=${'a'.repeat(64)}`)
    const first = await request(srv, `/?token=${srv.token}`)
    expect(first.status).toBe(200)
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(first.headers['referrer-policy']).toBe('same-origin')
    expect(first.body).toContain('<title>Jobdeck</title>')
    const cookie = first.headers['set-cookie']?.[0] ?? ''
    expect(cookie).toMatch(new RegExp(`^jobdeck_token_${srv.port}=${srv.token}; `))
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\//)

    const headers = { cookie: cookie.split(';')[0]! }
    const js = await request(srv, '/assets/app.js', headers)
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['set-cookie']).toBeUndefined()
    expect(js.headers['x-content-type-options']).toBe('nosniff')
    expect((await request(srv, '/assets/app.css', headers)).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await request(srv, '/assets/logo.svg', headers)).headers['content-type']).toBe('image/svg+xml')
    expect((await request(srv, '/assets/blob.xyz', headers)).headers['content-type']).toBe('application/octet-stream')
    expect((await request(srv, '/nope.js', headers)).status).toBe(404)
    const head = await request(srv, '/assets/app.js', headers, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe(String('console.log("app")'.length))
    expect((await request(srv, '/', headers, 'POST')).status).toBe(405)
  })

  it('never serves a file outside the renderer folder', async () => {
    const srv = await start()
    const headers = { cookie: cookieOf(srv) }
    for (const p of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/assets/link.txt',
      `/${encodeURIComponent(path.join(env.dir, 'secret.txt'))}`,
      '/%00index.html',
      '/%E0%A4%A',
    ]) {
      const res = await request(srv, p, headers)
      expect([400, 403, 404], p).toContain(res.status)
      expect(res.body, p).not.toContain('TOP SECRET')
    }
  })

  it('answers a loopback bind only for loopback host names', async () => {
    const srv = await start()
    expect((await request(srv, '/', { cookie: cookieOf(srv), host: 'evil.example:80' })).status).toBe(403)
    expect((await request(srv, '/', { cookie: cookieOf(srv), host: `localhost:${srv.port}` })).status).toBe(200)
  })

  it('warns when bound to a non-loopback host', async () => {
    const lines: string[] = []
    await start(undefined, { host: '0.0.0.0', log: (l) => lines.push(l) })
    expect(lines.join('\n')).toMatch(/warning: .*0\.0\.0\.0.*reachable from other machines/)
    expect(isLoopbackHost('127.0.0.1') && isLoopbackHost('localhost') && isLoopbackHost('[::1]')).toBe(true)
    expect(isLoopbackHost('0.0.0.0') || isLoopbackHost('192.168.1.2')).toBe(false)
  })
})

describe('server: WebSocket', () => {
  it('refuses an upgrade without a valid cookie or token, or from another origin', async () => {
    const srv = await start()
    expect(await connect(srv, { origin: originOf(srv) })).toBe(403)
    expect(await connect(srv, { origin: originOf(srv), cookie: `jobdeck_token_${srv.port}=nope` })).toBe(403)
    expect(await connect(srv, { origin: originOf(srv), query: '?token=nope' })).toBe(403)
    expect(await connect(srv, { origin: 'http://evil.example', cookie: cookieOf(srv) })).toBe(403)
    expect(await connect(srv, { origin: `http://127.0.0.1:${srv.port + 1}`, cookie: cookieOf(srv) })).toBe(403)
    expect(await connect(srv, { cookie: cookieOf(srv) })).toBe(403)
    const byQuery = await connect(srv, { origin: originOf(srv), query: `?token=${srv.token}` })
    expect(byQuery).toBeInstanceOf(WebSocket)
  })

  it('carries calls through dispatch: results by id, invalid input named', async () => {
    const srv = await start()
    const ws = await connect(srv, { origin: originOf(srv), cookie: cookieOf(srv) })
    if (!(ws instanceof WebSocket)) throw new Error(`refused: ${ws}`)
    const client = rpc(ws)
    const [status, config] = await Promise.all([client.call('runner.status', {}), client.call('config.get', {})])
    expect(status).toMatchObject({ ok: true, value: { counts: expect.any(Object) } })
    expect(config).toMatchObject({ ok: true, value: { ok: true } })
    const bad = await client.call('jobs.setPriority', { id: 'J', priority: 'whenever' })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/^jobs\.setPriority: priority: /) } })
    expect(await client.call('jobs.explode', {})).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
  })

  it('pushes engine events to the browser', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    core.startRunner()
    server = await startServer({ core, staticDir: staticSite(), log: () => {} })
    const ws = await connect(server, { origin: originOf(server), cookie: cookieOf(server) })
    if (!(ws instanceof WebSocket)) throw new Error(`refused: ${ws}`)
    const client = rpc(ws)
    const job = await client.call('jobs.enqueue', { type: 'nap', params: { tag: 'ws' } })
    expect(job.ok).toBe(true)
    const id = (job.value as Job).id
    await waitFor(
      () => client.events.some((e) => e.name === 'job.changed' && (e.payload as { job: Job }).job.id === id && (e.payload as { job: Job }).job.status === 'succeeded'),
      20_000,
      'job.changed succeeded over the socket',
    )
    expect(client.events.some((e) => e.name === 'run.log')).toBe(true)
  })

  it('closes a socket that sends something other than calls', async () => {
    const srv = await start()
    const ws = await connect(srv, { origin: originOf(srv), cookie: cookieOf(srv) })
    if (!(ws instanceof WebSocket)) throw new Error(`refused: ${ws}`)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('not json')
    expect(await closed).toBe(1007)
  })

  it('the frame limit takes a bulk add of 100 000 rows of the example job types with room to spare', () => {
    // As the renderer sends it: every value as typed text (send-invoices, the widest example type).
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ month: '2026-01', count: String(40 + (i % 100)), failEvery: '13', dryRun: 'false' }))
    const call = JSON.stringify({ kind: 'call', id: 1, method: 'jobs.enqueueBulk', args: { type: 'send-invoices', rows, priority: 'normal' } })
    const bytes = Buffer.byteLength(call)
    expect(bytes).toBeGreaterThan(6 * 1024 * 1024) // the 6.5 MiB the comment on MAX_CALL_BYTES says
    expect(bytes * 2).toBeLessThan(MAX_CALL_BYTES)
  })

  it('refuses a frame over the limit from its header, says the limit in the close reason, and does not grow', async () => {
    const srv = await start()
    expect(MAX_CALL_BYTES).toBe(16 * 1024 * 1024)
    const before = process.memoryUsage().rss
    const closed = await sendHugeFrame(srv, 99 * 1024 * 1024)
    expect(closed.code).toBe(1009)
    expect(closed.reason).toBe('message too large: this server takes at most 16 MiB per message')
    // A sanity bound, not a measurement: the old 100 MB limit read the whole 99 MB frame and grew
    // by several hundred MB; refused from its header, at most what was in flight arrives.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024)
    // The server goes on serving.
    const ws = await connect(srv, { origin: originOf(srv), cookie: cookieOf(srv) })
    if (!(ws instanceof WebSocket)) throw new Error(`refused: ${ws}`)
    expect(await rpc(ws).call('config.get', {})).toMatchObject({ ok: true })
  })
})

/**
 * Opens a WebSocket by hand and sends one text frame of `size` bytes (spaces) in 1 MiB writes,
 * as a hostile client would, without ever holding it in memory; resolves with the server's close
 * frame, once it comes (or with code 0 when the server read everything and answered nothing).
 */
function sendHugeFrame(srv: JobdeckServer, size: number): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(srv.port, '127.0.0.1')
    let received = Buffer.alloc(0)
    let upgraded = false
    let stopped = false
    const finish = (result: { code: number; reason: string }): void => {
      stopped = true
      socket.destroy()
      resolve(result)
    }
    socket.on('error', () => undefined) // the server may reset the connection while we write
    socket.on('close', () => finish({ code: 0, reason: 'closed without a close frame' }))
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = received.subarray(0, end).toString()
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`not upgraded: ${head}`))
        upgraded = true
        received = received.subarray(end + 4)
        void writeFrame()
      }
      // A close frame from the server: 0x88, a short length, the code, the reason (unmasked).
      if (received.length >= 4 && received[0] === 0x88) {
        const length = received[1]! & 0x7f
        if (received.length < 2 + length) return
        finish({ code: received.readUInt16BE(2), reason: received.subarray(4, 2 + length).toString() })
      }
    })
    const writeFrame = async (): Promise<void> => {
      const header = Buffer.alloc(14)
      header[0] = 0x81 // FIN, text
      header[1] = 0x80 | 127 // masked, 64-bit length
      header.writeBigUInt64BE(BigInt(size), 2)
      header.writeUInt32BE(0, 10) // mask key 0: the payload goes as written
      socket.write(header)
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      for (let sent = 0; sent < size && !stopped; sent += chunk.length) {
        if (!socket.write(chunk.subarray(0, Math.min(chunk.length, size - sent)))) {
          await new Promise<void>((r) => {
            const go = (): void => {
              socket.off('drain', go).off('close', go)
              r()
            }
            socket.once('drain', go).once('close', go)
          })
        }
      }
    }
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nOrigin: ${originOf(srv)}\r\nCookie: ${cookieOf(srv)}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    )
  })
}
