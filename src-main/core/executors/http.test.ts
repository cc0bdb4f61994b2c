import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { httpJobSchema, type HttpJobConfig } from '../../../src-shared/config-schema'
import type { LogStream, Params } from '../../../src-shared/domain'
import { CircuitBreakers } from './circuit-breaker'
import { MAX_TIMER_MS } from '../../../src-shared/units'
import { createHttpExecutor, fillJsonBody, fillUrl, MAX_LOGGED_BODY_BYTES, prepareHttpRequest, retryWait } from './http'
import type { ExecutionContext } from './types'

// --- a real server ---------------------------------------------------------------------------------

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, count: number) => void

interface TestServer {
  base: string
  host: string
  requests: Seen[]
  close(): Promise<void>
}

const servers: TestServer[] = []
const pendingTimers = new Set<NodeJS.Timeout>()

afterEach(async () => {
  for (const timer of pendingTimers) clearTimeout(timer)
  pendingTimers.clear()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** setTimeout that the test's cleanup clears (a slow handler must not outlive its test). */
function later(ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    pendingTimers.delete(timer)
    fn()
  }, ms)
  pendingTimers.add(timer)
}

async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Seen[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      requests.push(seen)
      handler(req, res, seen, requests.length)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const testServer: TestServer = {
    base: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  servers.push(testServer)
  return testServer
}

/** A port nothing listens on: a server is started to get a free port, then closed. */
async function closedPort(): Promise<string> {
  const server = await startServer(() => undefined)
  servers.splice(servers.indexOf(server), 1)
  await server.close()
  return server.base
}

function reply(res: ServerResponse, status: number, body = '', type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type })
  res.end(body)
}

// --- runs -------------------------------------------------------------------------------------------

/** A job spec as the config loader makes it: schema defaults applied. */
function spec(input: Record<string, unknown>): HttpJobConfig {
  return httpJobSchema.parse({ retries: { max: 0, base: 0.01 }, ...input })
}

interface Recorded {
  started: Array<number | null>
  logs: Array<{ stream: LogStream; text: string }>
}

function context(params: Params = {}, signal: AbortSignal = new AbortController().signal): { ctx: ExecutionContext; rec: Recorded } {
  const rec: Recorded = { started: [], logs: [] }
  const ctx: ExecutionContext = {
    runId: 'run-1',
    jobId: 'job-1',
    type: 'http-test',
    attempt: 1,
    params,
    signal,
    onStarted: (pid) => rec.started.push(pid),
    onProgress: () => undefined,
    onItems: () => undefined,
    onLog: (stream, text) => rec.logs.push({ stream, text }),
  }
  return { ctx, rec }
}

const lines = (rec: Recorded, stream: LogStream): string[] => rec.logs.filter((l) => l.stream === stream).map((l) => l.text)

const newBreakers = (): CircuitBreakers => new CircuitBreakers()

// --- tests -----------------------------------------------------------------------------------------

describe('http executor: requests', () => {
  it('encodes params in the URL, keeps JSON types in the body, fills headers, logs status and body', async () => {
    const server = await startServer((_req, res) => reply(res, 200, '{"ok":true}\n{"second":"line"}', 'application/json'))
    const executor = createHttpExecutor(
      spec({
        method: 'POST',
        url: `${server.base}/dealers/{name}/sync?q={q}&n={count}`,
        headers: { 'X-Dealer': '{id}', Authorization: 'Bearer {token}' },
        body: {
          id: '{id}',
          count: '{count}',
          flag: '{flag}',
          label: 'dealer {id}: {count} items',
          nested: [{ value: '{count}' }, '{missing}', 7, null, '{{literal}}'],
          '{id}': 'keys stay as written',
        },
      }),
      { breakers: newBreakers() },
    )
    const { ctx, rec } = context({ name: 'a b&c/d', q: 'x=1&y?#', id: 'D-1', count: 42, flag: true, token: 's3cret' })

    const result = await executor.execute(ctx)

    expect(result).toEqual({
      outcome: 'succeeded',
      exitCode: null,
      signal: null,
      error: null,
      timedOut: false,
      itemsOk: null,
      itemsFailed: null,
    })
    expect(server.requests).toHaveLength(1)
    const seen = server.requests[0] as Seen
    expect(seen.method).toBe('POST')
    expect(seen.url).toBe('/dealers/a%20b%26c%2Fd/sync?q=x%3D1%26y%3F%23&n=42')
    expect(seen.headers['x-dealer']).toBe('D-1')
    expect(seen.headers.authorization).toBe('Bearer s3cret')
    expect(seen.headers['content-type']).toBe('application/json')
    expect(JSON.parse(seen.body)).toEqual({
      id: 'D-1',
      count: 42,
      flag: true,
      label: 'dealer D-1: 42 items',
      nested: [{ value: 42 }, null, 7, null, '{literal}'],
      '{id}': 'keys stay as written',
    })
    expect(rec.started).toEqual([null])
    const system = lines(rec, 'system')
    expect(system).toHaveLength(1)
    expect(system[0]).toMatch(
      new RegExp(`^POST ${server.base}/dealers/a%20b%26c%2Fd/sync\\?q=x%3D1%26y%3F%23&n=42 → 200 OK in \\d+ ms$`),
    )
    expect(lines(rec, 'stdout')).toEqual(['{"ok":true}', '{"second":"line"}'])
  })

  it('a string body is a text template, sent as is with the content-type given', async () => {
    const server = await startServer((_req, res) => reply(res, 204))
    const executor = createHttpExecutor(
      spec({ method: 'PUT', url: `${server.base}/note`, headers: { 'content-type': 'text/csv' }, body: 'id,count\n{id},{count}\n' }),
      { breakers: newBreakers() },
    )
    const { ctx, rec } = context({ id: 'a "b"', count: 3 })
    expect((await executor.execute(ctx)).outcome).toBe('succeeded')
    expect(server.requests[0]?.body).toBe('id,count\na "b",3\n')
    expect(server.requests[0]?.headers['content-type']).toBe('text/csv')
    expect(lines(rec, 'system')[0]).toMatch(/^PUT http:\/\/127\.0\.0\.1:\d+\/note → 204 No Content in \d+ ms$/)
  })

  it('okStatus replaces 2xx as the definition of success', async () => {
    const conflict = await startServer((_req, res) => reply(res, 409, 'already there'))
    const plain = await startServer((_req, res) => reply(res, 200))
    const accepts409 = createHttpExecutor(spec({ url: `${conflict.base}/x`, okStatus: [200, 409] }), { breakers: newBreakers() })
    expect((await accepts409.execute(context().ctx)).outcome).toBe('succeeded')
    const wants201 = createHttpExecutor(spec({ url: `${plain.base}/x`, okStatus: [201] }), { breakers: newBreakers() })
    const result = await wants201.execute(context().ctx)
    expect(result.outcome).toBe('failed')
    expect(result.error).toBe(`GET ${plain.base}/x answered 200 OK`)
    expect(plain.requests).toHaveLength(1)
  })

  it('a 503 twice then 200 succeeds on the third attempt', async () => {
    const server = await startServer((_req, res, _seen, count) =>
      count <= 2 ? reply(res, 503, 'busy') : reply(res, 200, 'done'),
    )
    const executor = createHttpExecutor(spec({ url: `${server.base}/job`, retries: { max: 2, base: 0.02 } }), {
      breakers: newBreakers(),
    })
    const { ctx, rec } = context()
    const result = await executor.execute(ctx)
    expect(result.outcome).toBe('succeeded')
    expect(server.requests).toHaveLength(3)
    expect(rec.started).toEqual([null])
    const system = lines(rec, 'system')
    expect(system).toEqual([
      expect.stringMatching(/→ 503 Service Unavailable in \d+ ms$/),
      'retrying in 20ms (attempt 2 of 3)',
      expect.stringMatching(/→ 503 Service Unavailable in \d+ ms$/),
      'retrying in 40ms (attempt 3 of 3)',
      expect.stringMatching(/→ 200 OK in \d+ ms$/),
    ])
    expect(lines(rec, 'stdout')).toEqual(['busy', 'busy', 'done'])
  })

  it('5xx on every attempt fails with the status, the attempts and the error body', async () => {
    const server = await startServer((_req, res) => reply(res, 503, '{"error": "maintenance until 11:00"}', 'application/json'))
    const executor = createHttpExecutor(spec({ method: 'POST', url: `${server.base}/x`, body: { a: 1 }, retries: { max: 2, base: 0.001 } }), {
      breakers: newBreakers(),
    })
    const result = await executor.execute(context().ctx)
    expect(server.requests).toHaveLength(3)
    expect(result).toMatchObject({ outcome: 'failed', timedOut: false })
    expect(result.error).toBe(
      `POST ${server.base}/x answered 503 Service Unavailable after 3 attempts: {"error": "maintenance until 11:00"}`,
    )
  })

  it('404 fails at once, without retry', async () => {
    const server = await startServer((_req, res) => reply(res, 404, 'no such dealer'))
    const executor = createHttpExecutor(spec({ url: `${server.base}/dealers/9`, retries: { max: 3, base: 0.001 } }), {
      breakers: newBreakers(),
    })
    const { ctx, rec } = context()
    const result = await executor.execute(ctx)
    expect(server.requests).toHaveLength(1)
    expect(result.outcome).toBe('failed')
    expect(result.error).toBe(`GET ${server.base}/dealers/9 answered 404 Not Found: no such dealer`)
    expect(lines(rec, 'system').some((line) => line.startsWith('retrying'))).toBe(false)
  })

  it('an HTML error page is logged but kept out of the one-line error', async () => {
    const server = await startServer((_req, res) => reply(res, 400, '<!DOCTYPE html><html>…</html>', 'text/html'))
    const executor = createHttpExecutor(spec({ url: `${server.base}/x` }), { breakers: newBreakers() })
    const { ctx, rec } = context()
    expect((await executor.execute(ctx)).error).toBe(`GET ${server.base}/x answered 400 Bad Request`)
    expect(lines(rec, 'stdout')).toEqual(['<!DOCTYPE html><html>…</html>'])
  })

  it('connection refused is retried, then fails saying so', async () => {
    const base = await closedPort()
    const executor = createHttpExecutor(spec({ url: `${base}/x`, retries: { max: 2, base: 0.005 } }), { breakers: newBreakers() })
    const { ctx, rec } = context()
    const result = await executor.execute(ctx)
    expect(result.outcome).toBe('failed')
    expect(result.timedOut).toBe(false)
    expect(result.error).toMatch(
      new RegExp(`^GET ${base}/x failed after 3 attempts: connection refused \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`),
    )
    expect(lines(rec, 'system').filter((line) => line.startsWith('retrying'))).toHaveLength(2)
    expect(rec.started).toEqual([null])
  })

  it('a slow server hits the per-request timeout', async () => {
    const server = await startServer((_req, res) => later(5_000, () => reply(res, 200)))
    const executor = createHttpExecutor(spec({ url: `${server.base}/slow`, timeout: 0.2, retries: { max: 1, base: 0.01 } }), {
      breakers: newBreakers(),
    })
    const startedAt = Date.now()
    const { ctx, rec } = context()
    const result = await executor.execute(ctx)
    expect(Date.now() - startedAt).toBeLessThan(2_000)
    expect(server.requests).toHaveLength(2)
    expect(result).toMatchObject({ outcome: 'failed', timedOut: true })
    expect(result.error).toBe(`GET ${server.base}/slow: request timed out after 200ms (2 attempts)`)
    expect(lines(rec, 'system')[0]).toBe(`GET ${server.base}/slow → timed out after 200ms`)
  })

  it('a body that stalls after the headers also times out', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('partial\n')
      later(5_000, () => res.end())
    })
    const executor = createHttpExecutor(spec({ url: `${server.base}/stall`, timeout: 0.2 }), { breakers: newBreakers() })
    const { ctx, rec } = context()
    const result = await executor.execute(ctx)
    expect(result).toMatchObject({ outcome: 'failed', timedOut: true })
    expect(lines(rec, 'system')[0]).toBe(`GET ${server.base}/stall → timed out after 200ms (after 200 OK, while reading the body)`)
  })

  it('logs at most 64 KiB of the body and says it was truncated', async () => {
    const big = `${'x'.repeat(1000)}\n`.repeat(100)
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(big) })
      res.end(big)
    })
    const executor = createHttpExecutor(spec({ url: `${server.base}/big` }), { breakers: newBreakers() })
    const { ctx, rec } = context()
    expect((await executor.execute(ctx)).outcome).toBe('succeeded')
    const out = lines(rec, 'stdout')
    const logged = out.reduce((sum, line) => sum + line.length + 1, 0)
    expect(logged).toBeLessThanOrEqual(MAX_LOGGED_BODY_BYTES + 1)
    expect(logged).toBeGreaterThan(MAX_LOGGED_BODY_BYTES - 1001)
    expect(lines(rec, 'system').at(-1)).toBe('response body truncated: only the first 64 KiB of 100100 bytes shown')
  })

  it('a request the templates cannot make fails before starting, without retry', async () => {
    const breakers = newBreakers()
    const bad = createHttpExecutor(spec({ url: '{base}/x', retries: { max: 3, base: 0.001 } }), { breakers })
    const { ctx, rec } = context({ base: 'http://example.com' })
    const result = await bad.execute(ctx)
    expect(result.outcome).toBe('failed')
    expect(result.error).toBe('could not prepare the request: not a valid URL: http%3A%2F%2Fexample.com/x')
    expect(rec.started).toEqual([])
    const getWithBody = createHttpExecutor(spec({ url: 'http://127.0.0.1:9/x', body: { a: 1 } }), { breakers })
    expect((await getWithBody.execute(context().ctx)).error).toMatch(/^could not prepare the request: .*GET\/HEAD/)
    const ftp = createHttpExecutor(spec({ url: 'ftp://example.com/x' }), { breakers })
    expect((await ftp.execute(context().ctx)).error).toBe(
      'could not prepare the request: expected an http: or https: URL, got ftp: in ftp://example.com/x',
    )
    expect(breakers.states()).toEqual([])
  })
})

describe("http executor: a run's error repeats no credential", () => {
  it('masks the bearer token and the URL password an error would repeat', async () => {
    const server = await startServer((_req, res) =>
      reply(res, 401, JSON.stringify({ error: 'token rejected', authorization: 'Bearer t0k3n-abc' }), 'application/json'),
    )
    const breakers = newBreakers()
    const denied = createHttpExecutor(spec({ url: `${server.base}/x`, headers: { Authorization: 'Bearer {token}' } }), { breakers })
    const refused = await denied.execute(context({ token: 't0k3n-abc' }).ctx)
    expect(refused.outcome).toBe('failed')
    expect(refused.error).toMatch(/answered 401 Unauthorized: .*"authorization":"Bearer ••••"/)
    expect(refused.error).not.toContain('t0k3n-abc')

    const broken = await denied.execute(context({ token: 't0k3n-abc\nX-Evil: 1' }).ctx)
    expect(broken.error).toBe(
      'could not prepare the request: the value of header Authorization is not valid in HTTP (a param put a line break or another control character in it)',
    )
    const badUrl = createHttpExecutor(spec({ url: 'http://etl:hunter2@[nope/{id}' }), { breakers })
    const unparsable = await badUrl.execute(context({ id: '1' }).ctx)
    expect(unparsable.error).toBe('could not prepare the request: not a valid URL: http://etl:••••@[nope/1')
    expect(server.requests).toHaveLength(1)
  })
})

describe('http executor: a param cannot move the request to another path', () => {
  it('a param that is "." or ".." as a whole path segment fails the run before any request, naming it', async () => {
    const server = await startServer((_req, res) => reply(res, 200, 'ok'))
    const breakers = newBreakers()
    const job = createHttpExecutor(spec({ url: `${server.base}/dealers/{id}/sync?from={from}` }), { breakers })
    for (const [params, names] of [
      [{ id: '..', from: 'x' }, 'param "id" makes the path segment ".."'],
      [{ id: '.', from: 'x' }, 'param "id" makes the path segment "."'],
    ] as const) {
      const { ctx, rec } = context(params)
      const result = await job.execute(ctx)
      expect(result.outcome).toBe('failed')
      expect(result.error).toBe(
        `could not prepare the request: url: ${names}, which would send the request to another path; a param may not be "." or ".." as a whole path segment`,
      )
      expect(rec.started).toEqual([])
    }
    const halves = createHttpExecutor(spec({ url: `${server.base}/files/{a}{b}/x` }), { breakers })
    expect((await halves.execute(context({ a: '.', b: '.' }).ctx)).error).toMatch(/url: param "a" and param "b" make the path segment "\.\."/)
    expect(server.requests).toEqual([])

    // Dots inside a segment, in the query, or encoded by the param itself go through as they are.
    for (const params of [{ id: '...', from: '..' }, { id: '..x', from: '.' }, { id: '%2e%2e', from: 'x' }]) {
      expect((await job.execute(context(params).ctx)).outcome).toBe('succeeded')
    }
    expect(server.requests.map((r) => r.url)).toEqual(['/dealers/.../sync?from=..', '/dealers/..x/sync?from=.', '/dealers/%252e%252e/sync?from=x'])
    // A dot segment the operator wrote is theirs.
    const written = createHttpExecutor(spec({ url: `${server.base}/a/../b/{id}` }), { breakers })
    expect((await written.execute(context({ id: 'c' }).ctx)).outcome).toBe('succeeded')
    expect(server.requests.at(-1)?.url).toBe('/b/c')
  })
})

describe('http executor: retry waits', () => {
  it('double from base, held at the longest wait a timer can keep (past it the timer fires at once)', () => {
    expect([1, 2, 3].map((attempt) => retryWait(500, attempt))).toEqual([500, 1_000, 2_000])
    const base = httpJobSchema.parse({ url: 'http://x', retries: { max: 20, base: '1h' } }).retries.base
    expect(retryWait(base, 20)).toBe(MAX_TIMER_MS)
    expect(retryWait(base, 20)).toBeLessThan(2 ** 31)
  })
})

describe('http executor: circuit breaker', () => {
  it('opens after N failing runs, fails fast without a request, lets one trial through after resetAfter', async () => {
    let healthy = false
    const server = await startServer((_req, res) => (healthy ? reply(res, 200, 'back') : reply(res, 502, 'down')))
    const clock = { t: new Date(2024, 4, 6, 10, 42, 1).getTime() }
    const breakers = new CircuitBreakers({ now: () => clock.t })
    const executor = createHttpExecutor(spec({ url: `${server.base}/x`, breaker: { failures: 2, resetAfter: 30 } }), { breakers })

    for (let run = 0; run < 2; run++) expect((await executor.execute(context().ctx)).outcome).toBe('failed')
    expect(server.requests).toHaveLength(2)
    expect(breakers.states()).toEqual([
      { host: server.host, state: 'open', failures: 2, openedAt: new Date(clock.t).toISOString() },
    ])

    clock.t += 10_000
    const { ctx, rec } = context()
    const fast = await executor.execute(ctx)
    expect(server.requests).toHaveLength(2)
    expect(fast).toMatchObject({ outcome: 'failed', timedOut: false })
    expect(fast.error).toBe(
      `circuit breaker for ${server.host} is open since 10:42:01 (2 failures in a row); next try after 10:42:31`,
    )
    expect(rec.started).toEqual([])
    expect(lines(rec, 'system')).toEqual([fast.error])

    clock.t += 20_000
    healthy = true
    const trial = context()
    expect((await executor.execute(trial.ctx)).outcome).toBe('succeeded')
    expect(server.requests).toHaveLength(3)
    expect(lines(trial.rec, 'system')[0]).toBe(`circuit breaker for ${server.host} is half-open: this request is the trial`)
    expect(breakers.states()).toEqual([{ host: server.host, state: 'closed', failures: 0, openedAt: null }])
    expect((await executor.execute(context().ctx)).outcome).toBe('succeeded')
    expect(server.requests).toHaveLength(4)
  })

  it('a failed trial opens it again', async () => {
    const server = await startServer((_req, res) => reply(res, 500))
    const clock = { t: 1_000_000 }
    const breakers = new CircuitBreakers({ now: () => clock.t })
    const executor = createHttpExecutor(
      spec({ url: `${server.base}/x`, retries: { max: 3, base: 0.001 }, breaker: { failures: 1, resetAfter: 30 } }),
      { breakers },
    )
    // The first failure opens the breaker: the run stops retrying instead of waiting for a rejection.
    const first = await executor.execute(context().ctx)
    expect(server.requests).toHaveLength(1)
    expect(first.error).toMatch(new RegExp(`answered 500 Internal Server Error; not retried: circuit breaker for ${server.host} is open since`))
    clock.t += 30_000
    expect((await executor.execute(context().ctx)).outcome).toBe('failed')
    expect(server.requests).toHaveLength(2)
    expect(breakers.states()[0]).toMatchObject({ state: 'open', failures: 2, openedAt: new Date(clock.t).toISOString() })
    expect((await executor.execute(context().ctx)).error).toMatch(/is open since/)
    expect(server.requests).toHaveLength(2)
  })

  it('a breaker opened by another run while this one waits to retry stops the retries', async () => {
    const server = await startServer((_req, res) => reply(res, 503))
    const breakers = newBreakers()
    const executor = createHttpExecutor(
      spec({ url: `${server.base}/x`, retries: { max: 3, base: 0.2 }, breaker: { failures: 5, resetAfter: 60 } }),
      { breakers },
    )
    const { ctx, rec } = context()
    const running = executor.execute(ctx)
    await waitFor(() => lines(rec, 'system').some((line) => line.startsWith('retrying')))
    // Another job with a lower threshold fails against the same host meanwhile.
    const other = breakers.admit(server.host)
    if (!other.allowed) throw new Error('expected a permit')
    breakers.settle(other, 'failure', { failures: 1, resetAfter: 60_000 })
    const result = await running
    expect(server.requests).toHaveLength(1)
    expect(result.error).toMatch(
      new RegExp(`^GET ${server.base}/x answered 503 Service Unavailable; not retried: circuit breaker for ${server.host} is open since`),
    )
  })

  it('4xx answers do not count against the host', async () => {
    const server = await startServer((_req, res) => reply(res, 404))
    const breakers = newBreakers()
    const executor = createHttpExecutor(spec({ url: `${server.base}/x`, breaker: { failures: 1, resetAfter: 30 } }), { breakers })
    for (let run = 0; run < 3; run++) await executor.execute(context().ctx)
    expect(server.requests).toHaveLength(3)
    expect(breakers.states()).toEqual([{ host: server.host, state: 'closed', failures: 0, openedAt: null }])
  })

  it('connection refused and timeouts count as failures', async () => {
    const base = await closedPort()
    const breakers = newBreakers()
    const executor = createHttpExecutor(spec({ url: `${base}/x`, retries: { max: 1, base: 0.001 }, breaker: { failures: 2, resetAfter: 60 } }), {
      breakers,
    })
    await executor.execute(context().ctx)
    expect(breakers.states()[0]).toMatchObject({ state: 'open', failures: 2 })
  })
})

describe('http executor: cancel', () => {
  it('cancel during a slow request resolves canceled quickly', async () => {
    const server = await startServer((_req, res) => later(10_000, () => reply(res, 200)))
    const breakers = newBreakers()
    const executor = createHttpExecutor(spec({ url: `${server.base}/slow`, timeout: 30, retries: { max: 3, base: 1 } }), { breakers })
    const controller = new AbortController()
    const { ctx, rec } = context({}, controller.signal)
    const running = executor.execute(ctx)
    await waitFor(() => server.requests.length === 1)
    const canceledAt = Date.now()
    controller.abort()
    const result = await running
    expect(Date.now() - canceledAt).toBeLessThan(1_000)
    expect(result).toEqual({
      outcome: 'canceled',
      exitCode: null,
      signal: null,
      error: null,
      timedOut: false,
      itemsOk: null,
      itemsFailed: null,
    })
    expect(server.requests).toHaveLength(1)
    expect(lines(rec, 'system').at(-1)).toBe('canceled')
    // A canceled request says nothing about the host.
    expect(breakers.states()).toEqual([{ host: server.host, state: 'closed', failures: 0, openedAt: null }])
  })

  it('cancel during the wait before a retry resolves canceled quickly', async () => {
    const server = await startServer((_req, res) => reply(res, 503))
    const executor = createHttpExecutor(spec({ url: `${server.base}/x`, retries: { max: 3, base: 60 } }), { breakers: newBreakers() })
    const controller = new AbortController()
    const { ctx, rec } = context({}, controller.signal)
    const running = executor.execute(ctx)
    await waitFor(() => lines(rec, 'system').some((line) => line.startsWith('retrying in 1m')))
    const canceledAt = Date.now()
    controller.abort()
    expect((await running).outcome).toBe('canceled')
    expect(Date.now() - canceledAt).toBeLessThan(1_000)
    expect(server.requests).toHaveLength(1)
  })

  it('an already canceled run sends nothing', async () => {
    const server = await startServer((_req, res) => reply(res, 200))
    const executor = createHttpExecutor(spec({ url: `${server.base}/x` }), { breakers: newBreakers() })
    const { ctx, rec } = context({}, AbortSignal.abort())
    expect((await executor.execute(ctx)).outcome).toBe('canceled')
    expect(server.requests).toHaveLength(0)
    expect(rec.started).toEqual([])
  })
})

describe('http templates', () => {
  it('fillUrl encodes every param value, missing ones become empty', () => {
    expect(fillUrl('https://x/{a}/{b}?c={c}&d={missing}', { a: 'ä ö/€', b: 3, c: false })).toBe(
      'https://x/%C3%A4%20%C3%B6%2F%E2%82%AC/3?c=false&d=',
    )
  })

  it('fillJsonBody keeps types for whole placeholders and fills longer strings as text', () => {
    expect(fillJsonBody({ n: '{n}', s: '{n}', t: 'n={n}', b: '{b}', x: ' {n}' }, { n: 1.5, b: false })).toEqual({
      n: 1.5,
      s: 1.5,
      t: 'n=1.5',
      b: false,
      x: ' 1.5',
    })
    expect(fillJsonBody('{s}', { s: 'text' })).toBe('text')
    expect(fillJsonBody(['{a}', ['{a}']], { a: 'q"uote' })).toEqual(['q"uote', ['q"uote']])
  })

  it('prepareHttpRequest sets application/json for JSON bodies unless a content-type is given', () => {
    const json = prepareHttpRequest(spec({ method: 'POST', url: 'https://x/y', body: [1, '{a}'] }), { a: 'b' })
    expect(json.body).toBe('[1,"b"]')
    expect(json.headers.get('content-type')).toBe('application/json')
    const custom = prepareHttpRequest(
      spec({ method: 'POST', url: 'https://x/y', headers: { 'Content-Type': 'application/vnd.api+json' }, body: { a: 1 } }),
      {},
    )
    expect(custom.headers.get('content-type')).toBe('application/vnd.api+json')
    expect(prepareHttpRequest(spec({ url: 'https://x/y' }), {}).body).toBeUndefined()
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
