// The HTTP API through the real `jobdeck serve` (Node's fetch, real tokens from `jobdeck tokens`,
// no mocks): enqueue with an operator token, a viewer refused, a revoked token refused within a
// second, bad input named, too large refused, the OpenAPI document, a viewer signed in at /login
// whose WebSocket is refused jobs.cancel, one audit record per change naming its token, /healthz down when the shared database is cut, and TLS.
import fs from 'node:fs'
import https from 'node:https'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { apiAccess } from '../src-shared/api'
import { API_METHODS } from '../src-shared/bridge'
import type { Job, RunnerStatus } from '../src-shared/domain'
import { MAX_CALL_BYTES } from '../src-shared/wire'
import { createTestDatabase, type TestDatabase } from '../src-main/core/test-support/postgres'
import { startTcpProxy, viaProxy, type TcpProxy } from '../src-main/core/test-support/tcp-proxy'
import { selfSignedCert } from '../src-main/core/test-support/tls-cert'
import { createToken, serve, until, type Served } from './harness'

const CONFIG = `jobs:
  nap:
    command: [node, sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 10 }
monitor:
  thresholds: { cpu: { warning: 99, critical: 100 } }
`

let dir: string
let configPath: string
let site: string

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-http-'))
  configPath = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(configPath, CONFIG)
  fs.writeFileSync(path.join(dir, 'sleep.js'), 'setTimeout(() => undefined, Number(process.argv[2]))')
  site = path.join(dir, 'renderer')
  fs.mkdirSync(site)
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Jobdeck</title>')
})

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const serveHere = (args: string[] = []): Promise<Served> => serve({ config: configPath, env: { JOBDECK_RENDERER_DIR: site }, args })

type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string; details?: unknown } }

async function call(served: Served, method: string, body: unknown, token?: string): Promise<{ status: number; reply: Reply; headers: Headers }> {
  const res = await fetch(new URL(`/api/v1/${method}`, served.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
  return { status: res.status, reply: (await res.json()) as Reply, headers: res.headers }
}

describe('the HTTP API of jobdeck serve', { timeout: 60_000 }, () => {
  let served: Served
  beforeAll(async () => {
    served = await serveHere()
  }, 60_000)
  afterAll(() => served?.stop())

  it('an operator token enqueues a job, which runs and shows in `jobdeck status`', async () => {
    const operator = await createToken(served, 'ci-bot', 'operator')
    const { status, reply } = await call(served, 'jobs.enqueue', { type: 'nap', params: { ms: 5 } }, operator)
    expect(status).toBe(200)
    const job = reply.value as Job
    expect(job).toMatchObject({ type: 'nap', status: 'queued' })
    await until(async () => ((await call(served, 'jobs.get', { id: job.id }, operator)).reply.value as { job: Job }).job.status === 'succeeded', 20_000, 'the job to succeed')
    const history = JSON.parse(served.cli(['history', '--json']).stdout) as Array<{ jobId: string }>
    expect(history.map((r) => r.jobId)).toContain(job.id)
    const status2 = JSON.parse(served.cli(['status', '--json']).stdout) as RunnerStatus
    expect(status2.state).toBeDefined()
  })

  it('no token is 401; a viewer token gets 403 on jobs.cancel; a revoked token is 401 a second after `jobdeck tokens revoke`', async () => {
    const operator = await createToken(served, 'ops', 'operator')
    const viewer = await createToken(served, 'dashboard', 'viewer')
    const none = await call(served, 'stats.byType', {})
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const job = (await call(served, 'jobs.enqueue', { type: 'nap', params: { ms: 60_000 } }, operator)).reply.value as Job
    const refused = await call(served, 'jobs.cancel', { id: job.id }, viewer)
    expect(refused.status).toBe(403)
    expect(refused.reply.error).toMatchObject({ code: 'forbidden', message: 'jobs.cancel: needs the operator role; "dashboard" has viewer' })
    expect((await call(served, 'stats.byType', {}, viewer)).status).toBe(200)
    expect((await call(served, 'jobs.cancel', { id: job.id }, operator)).status).toBe(200)

    expect(served.cli(['tokens', 'revoke', 'dashboard']).code).toBe(0)
    // A running server hears a revocation within a second.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const revoked = await call(served, 'stats.byType', {}, viewer)
    expect(revoked.status).toBe(401)
    expect(revoked.reply.error?.message).toBe('the API token is unknown, expired or revoked')
  })

  it('a bad body is 400 naming the field; a body over the limit is 413 before it is read', async () => {
    const operator = await createToken(served, 'bulk-loader', 'operator')
    const bad = await call(served, 'jobs.enqueueBulk', { type: 'nap', rows: [] }, operator)
    expect(bad.status).toBe(400)
    expect(bad.reply.error?.message).toBe('jobs.enqueueBulk: rows: expected at least one row')
    const param = await call(served, 'jobs.enqueue', { type: 'nap', params: { ms: 'soon' } }, operator)
    expect(param.status).toBe(400)
    expect(param.reply.error?.message).toMatch(/\bms\b/)
    // Declared larger than a call may be, and nothing sent: the answer comes at once.
    const tooLarge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL('/api/v1/jobs.enqueueBulk', served.url)
      const req = http.request(
        url,
        { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json', 'content-length': String(MAX_CALL_BYTES + 1) } },
        (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => (body += c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        },
      )
      req.on('error', reject)
      req.flushHeaders()
    })
    expect(tooLarge.status).toBe(413)
    expect(JSON.parse(tooLarge.body)).toMatchObject({ ok: false, error: { message: 'jobs.enqueueBulk: the body is larger than a call may be (at most 16 MiB)' } })
  })

  it('each call that changes something leaves exactly one audit record naming its token, allowed or refused; reads leave none', async () => {
    const operator = await createToken(served, 'audit-ops', 'operator')
    const viewer = await createToken(served, 'audit-wall', 'viewer')
    const since = new Date(Date.now() - 1000).toISOString()
    expect((await call(served, 'runner.pause', {}, operator)).status).toBe(200)
    const made = (await call(served, 'jobs.enqueue', { type: 'nap', params: { ms: 5 } }, operator)).reply.value as Job
    const bulk = (await call(served, 'jobs.enqueueBulk', { type: 'nap', rows: [{ ms: 1 }, { ms: 2 }] }, operator)).reply.value as Job[]
    expect((await call(served, 'jobs.setPriority', { id: made.id, priority: 'urgent' }, operator)).status).toBe(200)
    expect((await call(served, 'jobs.cancel', { id: bulk[0]!.id }, viewer)).status).toBe(403)
    expect((await call(served, 'jobs.cancel', { id: bulk[0]!.id }, operator)).status).toBe(200)
    expect((await call(served, 'jobs.cancel', { id: 'no-such-job' }, operator)).status).toBe(404)
    // Reads by either are not recorded.
    for (const token of [operator, viewer]) {
      expect((await call(served, 'jobs.get', { id: made.id }, token)).status).toBe(200)
      expect((await call(served, 'runner.status', {}, token)).status).toBe(200)
    }
    expect((await call(served, 'runner.resume', {}, operator)).status).toBe(200)

    type Row = { who: string; role: string; method: string; targets: string[]; targetCount: number; outcome: string }
    const rows = (JSON.parse(served.cli(['audit', '--json', '--since', since]).stdout) as Row[]).filter((r) => r.who.startsWith('audit-')).reverse()
    expect(rows.map((r) => [r.who, r.role, r.method, r.outcome])).toEqual([
      ['audit-ops', 'operator', 'runner.pause', 'ok'],
      ['audit-ops', 'operator', 'jobs.enqueue', 'ok'],
      ['audit-ops', 'operator', 'jobs.enqueueBulk', 'ok'],
      ['audit-ops', 'operator', 'jobs.setPriority', 'ok'],
      ['audit-wall', 'viewer', 'jobs.cancel', 'forbidden'],
      ['audit-ops', 'operator', 'jobs.cancel', 'ok'],
      ['audit-ops', 'operator', 'jobs.cancel', 'not_found'],
      ['audit-ops', 'operator', 'runner.resume', 'ok'],
    ])
    expect(rows[1]!.targets).toEqual([made.id])
    expect(rows[2]).toMatchObject({ targets: bulk.map((j) => j.id), targetCount: 2 })
    expect(rows[4]!.targets).toEqual([bulk[0]!.id])
    // The tokens themselves were made with `jobdeck tokens create`: one record each, by cli:user@host.
    const tokenRows = (JSON.parse(served.cli(['audit', '--json', '--method', 'tokens.create']).stdout) as Row[]).filter((r) => r.targets.some((t) => t.startsWith('audit-')))
    expect(tokenRows.map((r) => r.targets).sort()).toEqual([['audit-ops'], ['audit-wall']])
    for (const row of tokenRows) expect(row).toMatchObject({ role: 'admin', outcome: 'ok', who: expect.stringMatching(/^cli:[^@]+@.+$/) })
  })

  it('GET /api/v1/openapi.json needs no token, validates as OpenAPI 3.1 and lists every method with its role', async () => {
    const res = await fetch(new URL('/api/v1/openapi.json', served.url))
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, { post?: Record<string, unknown> }> }
    expect(doc.openapi).toBe('3.1.0')
    await SwaggerParser.validate(structuredClone(doc) as never)
    for (const method of API_METHODS) {
      expect(doc.paths[`/api/v1/${method}`]?.post?.['x-jobdeck-role'], method).toBe(apiAccess[method].role)
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/'))).toHaveLength(API_METHODS.length)
  })

  it('a viewer signs in at /login; the window\'s WebSocket then calls as the viewer and is refused jobs.cancel', async () => {
    const operator = await createToken(served, 'queue-filler', 'operator')
    const viewer = await createToken(served, 'night-shift', 'viewer')
    const job = (await call(served, 'jobs.enqueue', { type: 'nap', params: { ms: 60_000 } }, operator)).reply.value as Job
    const origin = new URL(served.url).origin
    const page = await fetch(new URL('/', origin), { redirect: 'manual' })
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/login')
    const signIn = await fetch(new URL('/login', origin), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ token: viewer }).toString(),
    })
    expect(signIn.status).toBe(303)
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    expect((await fetch(new URL('/', origin), { headers: { cookie } })).status).toBe(200)

    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/ws`, { origin, headers: { cookie } })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const results = new Map<number, Reply>()
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { kind: string; id: number; result: Reply }
      if (m.kind === 'result') results.set(m.id, m.result)
    })
    ws.send(JSON.stringify({ id: 1, method: 'session.get', args: {} }))
    ws.send(JSON.stringify({ id: 2, method: 'jobs.cancel', args: { id: job.id } }))
    ws.send(JSON.stringify({ id: 3, method: 'jobs.get', args: { id: job.id } }))
    await until(() => results.size === 3, 10_000, 'three results')
    ws.terminate()
    expect(results.get(1)).toEqual({ ok: true, value: { who: 'night-shift', role: 'viewer' } })
    expect(results.get(2)?.error).toMatchObject({ code: 'forbidden' })
    expect(results.get(3)).toMatchObject({ ok: true, value: { job: { id: job.id } } })
    expect((await call(served, 'jobs.cancel', { id: job.id }, operator)).status).toBe(200)
  })
})

describe('GET /healthz of a shared jobdeck serve', { timeout: 90_000 }, () => {
  let db: TestDatabase
  let proxy: TcpProxy
  let served: Served
  beforeAll(async () => {
    db = await createTestDatabase('jobdeck_healthz')
    const target = new URL(db.url)
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    served = await serveHere(['--pg', viaProxy(db.url, proxy.port)])
  }, 60_000)
  afterAll(async () => {
    await served?.stop()
    await proxy?.close()
    await db?.drop()
  })

  const health = async (): Promise<{ status: number; body: Record<string, string> }> => {
    const res = await fetch(new URL('/healthz', served.url))
    return { status: res.status, body: (await res.json()) as Record<string, string> }
  }

  it('answers 200 while the database is online, 503 "down" when it is cut through the proxy, and 200 again when it is back', async () => {
    const online = await until(async () => {
      const h = await health()
      return h.body.database === 'online' ? h : null
    }, 30_000, 'the database online')
    expect(online).toEqual({ status: 200, body: { status: 'ok', runner: expect.any(String), database: 'online', health: expect.any(String) } })
    expect(Object.keys(online.body).sort()).toEqual(['database', 'health', 'runner', 'status'])
    proxy.cut()
    const down = await until(async () => {
      const h = await health()
      return h.status === 503 ? h : null
    }, 30_000, '/healthz 503')
    expect(down.body).toMatchObject({ status: 'down', database: 'offline' })
    expect(JSON.stringify(down.body)).not.toMatch(/127\.0\.0\.1|postgres|ECONN/)
    proxy.restore()
    await until(async () => (await health()).status === 200, 30_000, '/healthz 200 again')
  })
})

describe('jobdeck serve and TLS', { timeout: 60_000 }, () => {
  it('refuses a non-loopback --host without TLS and says why; --insecure-http serves it anyway', async () => {
    await expect(serveHere(['--host', '0.0.0.0'])).rejects.toThrow(/--host 0\.0\.0\.0 is reachable from other machines: serving it without TLS would send API tokens and the session cookie over the network in clear/)
    const served = await serveHere(['--host', '0.0.0.0', '--insecure-http'])
    try {
      expect(served.url).toMatch(/^http:\/\//)
      expect(served.output()).toMatch(/not encrypted/)
      expect((await fetch(new URL('/healthz', served.url))).status).toBe(200)
    } finally {
      await served.stop()
    }
  })

  it('serves https with --tls-cert/--tls-key, also on a non-loopback host; a missing key file is named', async () => {
    const { certPath, keyPath, cert } = selfSignedCert(dir)
    await expect(serveHere(['--tls-cert', certPath])).rejects.toThrow(/--tls-cert needs --tls-key too/)
    await expect(serveHere(['--tls-cert', certPath, '--tls-key', path.join(dir, 'nope.pem')])).rejects.toThrow(/--tls-key .*nope\.pem: cannot read it \(ENOENT\)/)
    const served = await serveHere(['--host', '0.0.0.0', '--tls-cert', certPath, '--tls-key', keyPath])
    try {
      expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/)
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => https.get(new URL('/healthz', served.url), { ca: cert }, resolve).on('error', reject))
      res.resume()
      expect(res.statusCode).toBe(200)
      // Plain http on the TLS port is not served.
      await expect(fetch(new URL('/healthz', served.url.replace(/^https/, 'http')))).rejects.toThrow()
    } finally {
      await served.stop()
    }
  })
})
