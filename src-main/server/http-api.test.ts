// The HTTP API of the headless server, in-process, with a token verifier the test controls (the
// token store has its own tests; `jobdeck serve` with real tokens is in cli/http-api.test.ts).
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import path from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Caller, Role } from '../../src-shared/access'
import { apiAccess } from '../../src-shared/api'
import { API_METHODS } from '../../src-shared/bridge'
import { SIGNED_OUT_PAGE } from '../../src-shared/wire'
import type { Job } from '../../src-shared/domain'
import type { TokenVerifier } from '../core/access/token-verifier'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'
import { selfSignedCert } from '../core/test-support/tls-cert'
import { startServer, type JobdeckServer, type MetricsSource, type ServerCore, type ServerOptions } from './server'

const CONFIG = `
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 20 }
`

/** Tokens by secret; `revoke` takes effect at the next verify. */
class FakeTokens implements TokenVerifier {
  private readonly callers = new Map<string, Caller>()
  add(secret: string, who: string, role: Role): string {
    this.callers.set(secret, { who, role })
    return secret
  }
  revoke(secret: string): void {
    this.callers.delete(secret)
  }
  async verify(secret: string): Promise<Caller | null> {
    return this.callers.get(secret) ?? null
  }
}

let env: TestEnv
let server: JobdeckServer | null = null
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.on('error', () => undefined).terminate()
  await server?.close()
  server = null
  env.cleanup()
})

async function start(extra: Partial<ServerOptions> = {}): Promise<{ srv: JobdeckServer; tokens: FakeTokens; base: string }> {
  env = makeTestEnv(CONFIG)
  const core = env.open()
  const tokens = new FakeTokens()
  const serverCore: ServerCore = {
    api: core.api,
    audit: core.audit,
    events: core.events,
    tokens,
    connection: () => core.connection(),
    runner: () => core.runner(),
  }
  const site = path.join(env.dir, 'site')
  fs.mkdirSync(site)
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Jobdeck</title>')
  server = await startServer({ core: serverCore, staticDir: site, token: 'a'.repeat(64), log: () => {}, ...extra })
  return { srv: server, tokens, base: server.url }
}

type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string; details?: unknown } }

async function call(base: string, method: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; reply: Reply; headers: Headers }> {
  const res = await fetch(new URL(`/api/v1/${method}`, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, reply: (await res.json()) as Reply, headers: res.headers }
}

describe('HTTP API: POST /api/v1/<method>', () => {
  it('an operator token enqueues a job; the answer is the job, and it waits in the queue', async () => {
    const { base, tokens } = await start()
    const operator = tokens.add('op-secret', 'ops-bot', 'operator')
    const { status, reply, headers } = await call(base, 'jobs.enqueue', { type: 'nap', params: { ms: 5 } }, operator)
    expect(status).toBe(200)
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(reply.ok).toBe(true)
    const job = reply.value as Job
    expect(job).toMatchObject({ type: 'nap', status: 'queued' })
    const got = await call(base, 'jobs.get', { id: job.id }, operator)
    expect(got.reply).toMatchObject({ ok: true, value: { job: { id: job.id, params: { ms: 5 } } } })
  })

  it('needs a bearer token: none, an unknown one, a revoked one or the browser cookie get 401 with WWW-Authenticate', async () => {
    const { base, tokens, srv } = await start()
    const viewer = tokens.add('viewer-secret', 'dash', 'viewer')
    const none = await call(base, 'stats.byType', {})
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="jobdeck"')
    expect(none.reply.error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/Authorization: Bearer/) })
    const unknown = await call(base, 'stats.byType', {}, 'nope')
    expect(unknown.status).toBe(401)
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="jobdeck", error="invalid_token"')
    expect(unknown.reply.error?.message).toBe('the API token is unknown, expired or revoked')
    // The owner's cookie opens the window, never the API (no request forged from another site).
    expect((await call(base, 'stats.byType', {}, undefined, { cookie: `jobdeck_token_${srv.port}=${srv.token}` })).status).toBe(401)
    expect((await call(base, 'stats.byType', {}, viewer)).status).toBe(200)
    tokens.revoke(viewer)
    expect((await call(base, 'stats.byType', {}, viewer)).status).toBe(401)
  })

  it('a viewer reads but gets 403 on jobs.cancel, naming the role it needs', async () => {
    const { base, tokens } = await start()
    const operator = tokens.add('op', 'ops-bot', 'operator')
    const viewer = tokens.add('view', 'dash', 'viewer')
    const job = (await call(base, 'jobs.enqueue', { type: 'nap' }, operator)).reply.value as Job
    const refused = await call(base, 'jobs.cancel', { id: job.id }, viewer)
    expect(refused.status).toBe(403)
    expect(refused.reply.error).toMatchObject({ code: 'forbidden', message: 'jobs.cancel: needs the operator role; "dash" has viewer' })
    expect((await call(base, 'jobs.get', { id: job.id }, viewer)).reply).toMatchObject({ ok: true, value: { job: { status: 'queued' } } })
    expect((await call(base, 'jobs.cancel', { id: job.id }, operator)).status).toBe(200)
  })

  it('bad input is 400 naming the field; not JSON is 400; not sent as JSON is 415; an empty body is {}', async () => {
    const { base, tokens } = await start()
    const operator = tokens.add('op', 'ops-bot', 'operator')
    const bad = await call(base, 'jobs.enqueue', { type: 'nap', priority: 'asap' }, operator)
    expect(bad.status).toBe(400)
    expect(bad.reply.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^jobs\.enqueue: priority: /) })
    expect(bad.reply.error?.details).toEqual([expect.objectContaining({ path: ['priority'] })])
    const param = await call(base, 'jobs.enqueue', { type: 'nap', params: { ms: 'soon' } }, operator)
    expect(param.status).toBe(400)
    expect(param.reply.error?.message).toMatch(/ms/)
    const notJson = await call(base, 'jobs.enqueue', '{"type": "nap",', operator)
    expect(notJson.status).toBe(400)
    expect(notJson.reply.error?.message).toMatch(/^jobs\.enqueue: the body is not JSON/)
    const form = await call(base, 'jobs.enqueue', 'type=nap', operator, { 'content-type': 'application/x-www-form-urlencoded' })
    expect(form.status).toBe(415)
    const empty = await fetch(new URL('/api/v1/stats.byType', base), { method: 'POST', headers: { authorization: `Bearer ${operator}` } })
    expect(empty.status).toBe(200)
    expect(await empty.json()).toMatchObject({ ok: true, value: [] })
  })

  it('404 for an unknown method or path, 405 for another verb, 404 for a thing that does not exist, 409 for a conflict', async () => {
    const { base, tokens } = await start()
    const operator = tokens.add('op', 'ops-bot', 'operator')
    const unknown = await call(base, 'jobs.explode', {}, operator)
    expect(unknown.status).toBe(404)
    expect(unknown.reply.error?.message).toMatch(/unknown API method "?jobs\.explode"?; the methods are listed in \/api\/v1\/openapi\.json/)
    expect((await fetch(new URL('/api/v1/', base), { method: 'POST' })).status).toBe(404)
    const get = await fetch(new URL('/api/v1/jobs.list', base), { headers: { authorization: `Bearer ${operator}` } })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    const missing = await call(base, 'jobs.get', { id: 'nothing-here' }, operator)
    expect(missing.status).toBe(404)
    expect(missing.reply.error?.code).toBe('not_found')
    // This process runs no runner: there is nothing to drain.
    const conflict = await call(base, 'runner.drain', { draining: true }, operator)
    expect(conflict.status).toBe(409)
    expect(conflict.reply.error?.code).toBe('conflict')
  })

  it('refuses a body over the limit from its Content-Length before reading it, and a chunked one as it passes the limit', async () => {
    const { srv, tokens } = await start({ maxPayload: 64 * 1024 })
    const operator = tokens.add('op', 'ops-bot', 'operator')
    const send = (headers: Record<string, string>, write: (req: http.ClientRequest) => void): Promise<{ status: number; body: string; sent: number }> =>
      new Promise((resolve, reject) => {
        let sent = 0
        const req = http.request(
          { host: '127.0.0.1', port: srv.port, path: '/api/v1/jobs.enqueueBulk', method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json', ...headers } },
          (res) => {
            let body = ''
            res.setEncoding('utf8')
            res.on('data', (c: string) => (body += c))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }))
          },
        )
        req.on('error', reject)
        const origWrite = req.write.bind(req)
        req.write = ((chunk: Buffer) => {
          sent += chunk.length
          return origWrite(chunk)
        }) as typeof req.write
        write(req)
      })
    // Declared 1 MiB, nothing sent: the answer comes anyway.
    const declared = await send({ 'content-length': String(1024 * 1024) }, (req) => req.flushHeaders())
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.body)).toMatchObject({ ok: false, error: { message: 'jobs.enqueueBulk: the body is larger than a call may be (at most 64 KiB)' } })
    // Chunked: 16 KiB at a time until the server answers.
    let answered = false
    const chunked = await send({ 'transfer-encoding': 'chunked' }, (req) => {
      const pump = (): void => {
        if (answered || req.destroyed) return
        req.write(Buffer.alloc(16 * 1024, 0x20))
        setTimeout(pump, 5)
      }
      pump()
    })
    answered = true
    expect(chunked.status).toBe(413)
    expect(chunked.sent).toBeLessThan(1024 * 1024)
  })
})

describe('GET /api/v1/openapi.json', () => {
  it('is public, validates as OpenAPI 3.1 and lists every declared method with its role', async () => {
    const { base } = await start()
    const res = await fetch(new URL('/api/v1/openapi.json', base))
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, { post?: Record<string, unknown> }> }
    expect(doc.openapi).toBe('3.1.0')
    await SwaggerParser.validate(structuredClone(doc) as never)
    const methods = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/')).map((p) => p.slice('/api/v1/'.length))
    expect(methods.sort()).toEqual([...API_METHODS].sort())
    for (const method of API_METHODS) {
      const op = doc.paths[`/api/v1/${method}`]?.post
      expect(op?.['x-jobdeck-role'], method).toBe(apiAccess[method].role)
      expect(op?.['x-jobdeck-changes'], method).toBe(apiAccess[method].changes)
      expect(op?.description, method).toContain(`Needs the ${apiAccess[method].role} role`)
    }
    const enqueue = doc.paths['/api/v1/jobs.enqueue']?.post as { requestBody: { content: Record<string, { schema: { required: string[]; properties: Record<string, unknown> } }> } }
    const schema = enqueue.requestBody.content['application/json']?.schema
    expect(schema?.required).toEqual(['type'])
    expect(schema?.properties.priority).toEqual({ type: 'string', enum: ['normal', 'high', 'urgent'] })
  })
})

describe('GET /healthz and /metrics', () => {
  it('/healthz needs no token and says states only', async () => {
    const { base } = await start()
    const res = await fetch(new URL('/healthz', base))
    expect(res.status).toBe(200)
    // No runner in this process: another holds the data dir, so jobs do not run here.
    expect(await res.json()).toEqual({ status: 'degraded', runner: 'standby', database: 'local', health: 'healthy' })
  })

  it('/metrics needs a token of any role and answers the metrics with their content type', async () => {
    const metrics: MetricsSource = { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'jobdeck_up 1\n' }
    const { base, tokens } = await start({ metrics })
    const viewer = tokens.add('view', 'prometheus', 'viewer')
    const refused = await fetch(new URL('/metrics', base))
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const res = await fetch(new URL('/metrics', base), { headers: { authorization: `Bearer ${viewer}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(metrics.contentType)
    expect(await res.text()).toBe('jobdeck_up 1\n')
  })
})

describe('sign-in with a token', () => {
  const form = (base: string, token: string, origin = new URL(base).origin): Promise<Response> =>
    fetch(new URL('/login', base), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ token }).toString(),
    })

  it('the form has no script and a strict CSP; a wrong token shows it again saying so; a right one sets an HttpOnly SameSite=Strict cookie', async () => {
    const { base, tokens, srv } = await start()
    const page = await fetch(new URL('/login', base))
    expect(page.status).toBe(200)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/default-src 'none'/)
    expect(csp).toMatch(/form-action 'self'/)
    expect(csp).not.toMatch(/unsafe|script-src/)
    const text = await page.text()
    expect(text).not.toMatch(/<script|\son\w+=/i)
    expect(text).toMatch(/<form method="post" action="\/login">/)
    expect(text).not.toContain('Signed out')
    // Where a window goes when its token is revoked or expires (SIGNED_OUT_PAGE).
    const after = await fetch(new URL(SIGNED_OUT_PAGE, base))
    expect(after.status).toBe(200)
    expect(await after.text()).toContain('Signed out: the token this window used was revoked or has expired.')

    const wrong = await form(base, 'not-a-token')
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('That token was not accepted.')
    expect(wrong.headers.get('set-cookie')).toBeNull()

    const viewer = tokens.add('view+secret/=', 'dash', 'viewer')
    expect((await form(base, viewer, 'http://evil.example')).status).toBe(403)
    const right = await form(base, viewer)
    expect(right.status).toBe(303)
    expect(right.headers.get('location')).toBe('/')
    const cookie = right.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(new RegExp(`^jobdeck_login_${srv.port}=[^;]+; Path=/; HttpOnly; SameSite=Strict$`))
    const app = await fetch(new URL('/', base), { headers: { cookie: cookie.split(';')[0]! } })
    expect(app.status).toBe(200)
    expect(await app.text()).toContain('<title>Jobdeck</title>')

    const out = await fetch(new URL('/logout', base), { method: 'POST', redirect: 'manual', headers: { origin: new URL(base).origin, cookie: cookie.split(';')[0]! } })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe('/login')
    expect(out.headers.getSetCookie().every((c) => /Max-Age=0/.test(c))).toBe(true)
  })

  it('the WebSocket calls as the token: a viewer is refused jobs.cancel, and a revoked token closes the open socket', async () => {
    const { base, tokens, srv } = await start()
    const operator = tokens.add('op', 'ops-bot', 'operator')
    const job = (await call(base, 'jobs.enqueue', { type: 'nap' }, operator)).reply.value as Job
    const viewer = tokens.add('view', 'dash', 'viewer')
    const cookie = ((await form(base, viewer)).headers.get('set-cookie') ?? '').split(';')[0]!
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws`, { origin: new URL(base).origin, headers: { cookie } })
    sockets.push(ws)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const results = new Map<number, Reply>()
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { kind: string; id: number; result: Reply }
      if (m.kind === 'result') results.set(m.id, m.result)
    })
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    ws.send(JSON.stringify({ id: 1, method: 'session.get', args: {} }))
    ws.send(JSON.stringify({ id: 2, method: 'jobs.cancel', args: { id: job.id } }))
    await waitFor(() => results.size === 2, 10_000, 'two results')
    expect(results.get(1)).toEqual({ ok: true, value: { who: 'dash', role: 'viewer' } })
    expect(results.get(2)?.error).toMatchObject({ code: 'forbidden' })
    tokens.revoke(viewer)
    expect(await closed).toEqual({ code: 1008, reason: 'signed out: the API token is no longer valid; sign in again' })
    // And the cookie no longer opens anything.
    expect((await fetch(new URL('/', base), { headers: { cookie }, redirect: 'manual' })).status).toBe(303)
  })
})

describe('TLS', () => {
  it('serves https and wss with the given certificate; the Origin check takes the https origin and the cookies are Secure', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'jobdeck-tls-'))
    try {
      const { cert, key } = selfSignedCert(dir)
      const { srv } = await start({ tls: { cert, key } })
      expect(srv.url).toBe(`https://127.0.0.1:${srv.port}/`)
      const agent = new https.Agent({ ca: cert })
      const first = await new Promise<http.IncomingMessage>((resolve, reject) =>
        https.get(srv.openUrl, { agent }, resolve).on('error', reject),
      )
      first.resume()
      expect(first.statusCode).toBe(200)
      const cookie = first.headers['set-cookie']?.[0] ?? ''
      expect(cookie).toMatch(/; Secure$/)
      const ws = new WebSocket(`wss://127.0.0.1:${srv.port}/ws`, { ca: cert, origin: `https://127.0.0.1:${srv.port}`, headers: { cookie: cookie.split(';')[0]! } })
      sockets.push(ws)
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      const plainOrigin = new WebSocket(`wss://127.0.0.1:${srv.port}/ws`, { ca: cert, origin: `http://127.0.0.1:${srv.port}`, headers: { cookie: cookie.split(';')[0]! } })
      sockets.push(plainOrigin)
      expect(await new Promise((resolve) => plainOrigin.once('unexpected-response', (_req, res) => resolve(res.statusCode)))).toBe(403)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
