// The `http` executor: one request built from the job's templates (params URL-encoded in the URL,
// JSON-encoded in the body), retried within the run on network errors, timeouts and 5xx, behind a
// circuit breaker per host. The response is logged as output; success is okStatus or 2xx.
import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { backoffDelay } from '../../../src-shared/backoff'
import type { HttpJobConfig } from '../../../src-shared/config-schema'
import type { Params } from '../../../src-shared/domain'
import { fillTemplate, parseTemplate, substitute, type FilledSpan } from '../../../src-shared/template'
import { MAX_TIMER_MS } from '../../../src-shared/units'
import { breakerHost, type CircuitBreakers, type Verdict } from './circuit-breaker'
import { LineSplitter } from './line-protocol'
import { errorDetail, formatShortDuration, withSafeError } from './outcome'
import type { ExecutionContext, ExecutionResult, Executor } from './types'

export interface HttpExecutorDeps {
  breakers: CircuitBreakers
  /** Default: the global fetch. */
  fetch?: typeof fetch
  /** Clock for the request durations in the log (ms); default performance.now. */
  now?: () => number
}

/** The request of one run, templates filled. */
export interface PreparedRequest {
  method: HttpJobConfig['method']
  url: string
  headers: Headers
  body: string | undefined
}

/** How much of a response body is logged. */
export const MAX_LOGGED_BODY_BYTES = 64 * 1024
/** How much of an error response body goes into the one-line error. */
const ERROR_DETAIL_SOURCE_CHARS = 2_000

/**
 * The wait after failed attempt `attempt`: doubling from `base`, held at MAX_TIMER_MS, as a longer
 * wait would make the timer fire at once and hammer the host instead.
 */
export function retryWait(base: number, attempt: number): number {
  return backoffDelay({ baseMs: base, maxMs: MAX_TIMER_MS }, attempt)
}

export function createHttpExecutor(spec: HttpJobConfig, deps: HttpExecutorDeps): Executor {
  return { execute: async (ctx) => withSafeError(await runHttp(spec, deps, ctx)) }
}

// --- templates -----------------------------------------------------------------------------------

/** The URL template with every param value URL-encoded (encodeURIComponent). */
export function fillUrl(template: string, params: Params): string {
  return fillTemplate(template, params, encodeURIComponent).text
}

/**
 * encodeURIComponent leaves `.` as it is, and a URL resolves `.` and `..` path segments: with `id`
 * = `..`, `/dealers/{id}/sync` requests `/sync`. A path segment that params make `.` or `..` (or
 * their `%2e` spellings) is refused, naming the params; one written so in the template is the
 * operator's own.
 */
export function checkUrlPathSegments(filled: { text: string; spans: readonly FilledSpan[] }): void {
  const { text, spans } = filled
  const scheme = text.indexOf('://')
  if (scheme < 0) return
  const authorityEnd = text.slice(scheme + 3).search(/[/?#]/)
  if (authorityEnd < 0) return
  const pathStart = scheme + 3 + authorityEnd
  const pathEnd = text.slice(pathStart).search(/[?#]/)
  const path = text.slice(pathStart, pathEnd < 0 ? text.length : pathStart + pathEnd)
  let offset = pathStart
  for (const segment of path.split('/')) {
    const start = offset
    const end = offset + segment.length
    offset = end + 1
    if (!/^(?:\.|%2e){1,2}$/i.test(segment)) continue
    const names = [...new Set(spans.filter((s) => s.start < end && s.end > start && s.end > s.start).map((s) => s.name))]
    if (names.length === 0) continue
    const which = names.map((n) => `param "${n}"`).join(' and ')
    throw new Error(
      `url: ${which} ${names.length === 1 ? 'makes' : 'make'} the path segment "${decodeURIComponent(segment)}", which would send the request to another path; a param may not be "." or ".." as a whole path segment`,
    )
  }
}

/**
 * A JSON body template: a string that is exactly `"{param}"` becomes the param's value with its
 * type (a missing param: null); placeholders inside longer strings are filled as text. Object keys
 * are kept as written.
 */
export function fillJsonBody(value: unknown, params: Params): unknown {
  if (typeof value === 'string') {
    const { parts, problems } = parseTemplate(value)
    const only = parts.length === 1 && problems.length === 0 ? parts[0] : undefined
    if (only?.kind === 'param') return Object.hasOwn(params, only.name) ? params[only.name] : null
    return substitute(value, params)
  }
  if (Array.isArray(value)) return value.map((item) => fillJsonBody(item, params))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillJsonBody(item, params)]))
  }
  return value
}

/**
 * Builds the run's request. Throws (with a message for the operator) when the templates do not make
 * a valid request: a bad URL, a param that is a whole `.`/`..` path segment, a header value fetch
 * refuses, a body on GET/HEAD.
 */
export function prepareHttpRequest(spec: HttpJobConfig, params: Params): PreparedRequest {
  const filled = fillTemplate(spec.url, params, encodeURIComponent)
  checkUrlPathSegments(filled)
  const url = filled.text
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`not a valid URL: ${url}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`expected an http: or https: URL, got ${parsed.protocol} in ${redactUrl(url)}`)
  }
  const headers = new Headers()
  for (const [name, template] of Object.entries(spec.headers)) {
    try {
      headers.set(name, substitute(template, params))
    } catch {
      // fetch's message repeats the value, which may be a credential.
      throw new Error(`the value of header ${name} is not valid in HTTP (a param put a line break or another control character in it)`)
    }
  }
  let body: string | undefined
  if (typeof spec.body === 'string') {
    body = substitute(spec.body, params)
  } else if (spec.body !== undefined && spec.body !== null) {
    body = JSON.stringify(fillJsonBody(spec.body, params))
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  }
  // The Request constructor applies fetch's own checks (method and body, forbidden values) now,
  // so they fail the run once instead of being retried as network errors.
  new Request(parsed.href, { method: spec.method, headers, body })
  return { method: spec.method, url: parsed.href, headers, body }
}

// --- one run -------------------------------------------------------------------------------------

type Attempt =
  | { kind: 'response'; status: number; statusText: string; ok: boolean; detail: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; reason: string }
  | { kind: 'canceled' }

async function runHttp(spec: HttpJobConfig, deps: HttpExecutorDeps, ctx: ExecutionContext): Promise<ExecutionResult> {
  if (ctx.signal.aborted) return result('canceled', null)
  let request: PreparedRequest
  try {
    request = prepareHttpRequest(spec, ctx.params)
  } catch (error) {
    return result('failed', `could not prepare the request: ${messageOf(error)}`)
  }
  const host = breakerHost(request.url)
  const label = `${request.method} ${redactUrl(request.url)}`
  const maxAttempts = spec.retries.max + 1
  const system = (text: string): void => ctx.onLog('system', text)
  let started = false
  let previous: { error: string; timedOut: boolean } | null = null

  for (let attempt = 1; ; attempt++) {
    const admission = deps.breakers.admit(host)
    if (!admission.allowed) {
      // Opened by another run while this one waited to retry: the last failure is the news.
      if (previous !== null) {
        system(`not retrying: ${admission.message}`)
        return result('failed', `${previous.error}; not retried: ${admission.message}`, previous.timedOut)
      }
      system(admission.message)
      return result('failed', admission.message)
    }
    let outcome: Attempt
    let verdict: Verdict = 'abandoned'
    try {
      if (!started) {
        started = true
        ctx.onStarted(null)
      }
      if (admission.trial) system(`circuit breaker for ${host} is half-open: this request is the trial`)
      outcome = await send(request, spec, deps, ctx, label)
      verdict = verdictOf(outcome)
    } finally {
      // Every permit is settled, or a half-open breaker would wait for its trial forever.
      deps.breakers.settle(admission, verdict, spec.breaker)
    }

    if (outcome.kind === 'canceled') {
      system('canceled')
      return result('canceled', null)
    }
    if (outcome.kind === 'response' && outcome.ok) return result('succeeded', null)
    const error = describeFailure(label, outcome, attempt, spec.timeout)
    const retryable = outcome.kind !== 'response' || outcome.status >= 500
    if (!retryable || attempt >= maxAttempts) return result('failed', error, outcome.kind === 'timeout')
    previous = { error, timedOut: outcome.kind === 'timeout' }
    const blocked = deps.breakers.check(host)
    if (blocked !== null) {
      system(`not retrying: ${blocked.message}`)
      return result('failed', `${error}; not retried: ${blocked.message}`, previous.timedOut)
    }
    const delay = retryWait(spec.retries.base, attempt)
    system(`retrying in ${formatShortDuration(delay)} (attempt ${attempt + 1} of ${maxAttempts})`)
    try {
      await sleep(delay, undefined, { signal: ctx.signal })
    } catch {
      system('canceled while waiting to retry')
      return result('canceled', null)
    }
  }
}

/** One request: logs its status line and body; never throws. */
async function send(
  request: PreparedRequest,
  spec: HttpJobConfig,
  deps: HttpExecutorDeps,
  ctx: ExecutionContext,
  label: string,
): Promise<Attempt> {
  const now = deps.now ?? (() => performance.now())
  const doFetch = deps.fetch ?? fetch
  const timeout = spec.timeout > 0 ? AbortSignal.timeout(spec.timeout) : null
  const signal = timeout === null ? ctx.signal : AbortSignal.any([ctx.signal, timeout])
  const startedAt = now()
  let status: string | null = null
  try {
    const response = await doFetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
    })
    status = `${response.status} ${response.statusText || STATUS_CODES[response.status] || ''}`.trim()
    const body = await readBody(response)
    ctx.onLog('system', `${label} → ${status} in ${formatElapsed(now() - startedAt)}`)
    const splitter = new LineSplitter((line) => ctx.onLog('stdout', line))
    splitter.push(body.bytes)
    splitter.flush()
    if (body.truncated) {
      const total = body.declaredLength === null ? '' : ` of ${body.declaredLength} bytes`
      ctx.onLog('system', `response body truncated: only the first ${MAX_LOGGED_BODY_BYTES / 1024} KiB${total} shown`)
    }
    const ok = spec.okStatus ? spec.okStatus.includes(response.status) : response.status >= 200 && response.status < 300
    return { kind: 'response', status: response.status, statusText: status, ok, detail: ok ? null : detailOf(response, body.bytes) }
  } catch (error) {
    const elapsed = formatElapsed(now() - startedAt)
    const during = status === null ? '' : ` (after ${status}, while reading the body)`
    if (ctx.signal.aborted) {
      ctx.onLog('system', `${label} → canceled after ${elapsed}${during}`)
      return { kind: 'canceled' }
    }
    if (timeout?.aborted) {
      ctx.onLog('system', `${label} → timed out after ${formatShortDuration(spec.timeout)}${during}`)
      return { kind: 'timeout' }
    }
    const reason = describeNetworkError(error)
    ctx.onLog('system', `${label} → failed after ${elapsed}${during}: ${reason}`)
    return { kind: 'network', reason }
  }
}

interface Body {
  bytes: Buffer
  truncated: boolean
  declaredLength: number | null
}

/** Reads at most MAX_LOGGED_BODY_BYTES of the body and drops the rest. */
async function readBody(response: Response): Promise<Body> {
  const header = response.headers.get('content-length')
  const declaredLength = header !== null && /^\d+$/.test(header) ? Number(header) : null
  if (response.body === null) return { bytes: Buffer.alloc(0), truncated: false, declaredLength }
  const reader = response.body.getReader()
  const chunks: Buffer[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { bytes: Buffer.concat(chunks, size), truncated: false, declaredLength }
    const room = MAX_LOGGED_BODY_BYTES - size
    if (value.byteLength > room) {
      chunks.push(Buffer.from(value.buffer, value.byteOffset, utf8Cut(value, room)))
      await reader.cancel().catch(() => undefined)
      return { bytes: Buffer.concat(chunks), truncated: true, declaredLength }
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))
    size += value.byteLength
  }
}

/** The largest cut ≤ `limit` that does not split a UTF-8 sequence. */
function utf8Cut(bytes: Uint8Array, limit: number): number {
  let cut = limit
  while (cut > 0 && cut > limit - 4 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--
  return cut
}

/** The error body in a line, when it is text meant to be read (JSON, plain text), not a page. */
function detailOf(response: Response, bytes: Buffer): string | null {
  const type = response.headers.get('content-type') ?? ''
  if (!/json|^text\/plain/i.test(type)) return null
  const detail = errorDetail(bytes.toString('utf8', 0, Math.min(bytes.length, ERROR_DETAIL_SOURCE_CHARS)))
  return detail === '' ? null : detail
}

function verdictOf(attempt: Attempt): Verdict {
  switch (attempt.kind) {
    case 'canceled':
      return 'abandoned'
    case 'response':
      return attempt.ok || attempt.status < 500 ? 'success' : 'failure'
    default:
      return 'failure'
  }
}

function describeFailure(label: string, attempt: Attempt, attempts: number, timeoutMs: number): string {
  const after = attempts > 1 ? ` after ${attempts} attempts` : ''
  switch (attempt.kind) {
    case 'response':
      return `${label} answered ${attempt.statusText}${after}${attempt.detail === null ? '' : `: ${attempt.detail}`}`
    case 'timeout':
      return `${label}: request timed out after ${formatShortDuration(timeoutMs)}${attempts > 1 ? ` (${attempts} attempts)` : ''}`
    case 'network':
      return `${label} failed${after}: ${attempt.reason}`
    case 'canceled':
      return `${label} was canceled`
  }
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled',
}

/** fetch says only `fetch failed`; the reason is in its cause (for several addresses, in each). */
export function describeNetworkError(error: unknown): string {
  let cause: unknown = error
  while (cause instanceof Error && cause.message === 'fetch failed' && cause.cause !== undefined) cause = cause.cause
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0]
  const code = codeOf(cause)
  const message = errorDetail(messageOf(cause))
  const plain = code === null ? undefined : NETWORK_ERRORS[code]
  if (plain === undefined) return message || code || 'network error'
  return message === '' ? plain : `${plain} (${message})`
}

// --- helpers -------------------------------------------------------------------------------------

function result(outcome: ExecutionResult['outcome'], error: string | null, timedOut = false): ExecutionResult {
  return { outcome, exitCode: null, signal: null, error, timedOut, itemsOk: null, itemsFailed: null }
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = '***'
    return parsed.href
  } catch {
    return url
  }
}

function formatElapsed(ms: number): string {
  return ms < 10_000 ? `${Math.max(0, Math.round(ms))} ms` : formatShortDuration(ms)
}

function codeOf(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : null
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
