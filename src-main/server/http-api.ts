// `POST /api/v1/<method>`: the one API over plain HTTP for other programs. The method comes from
// the path and is checked against the declaration, the JSON body is its input, the caller is the
// bearer token's (never a cookie: a page elsewhere cannot make the browser send a header, so there
// is no cross-site request to forge), and dispatch does the rest as for every transport. The
// status comes from the error code alone (HTTP_STATUS_OF): no method has glue of its own.
import type http from 'node:http'
import type { Caller } from '../../src-shared/access'
import type { ErrorInfo } from '../../src-shared/errors'
import { formatBytes } from '../../src-shared/units'
import { echo } from '../../src-shared/redact'
import type { TokenVerifier } from '../core/access/token-verifier'
import { dispatch, isApiMethod, type DispatchTarget } from '../core/services/dispatch'
import { HTTP_STATUS_OF, json, jsonError } from './http-reply'
import { API_PREFIX, OPENAPI_PATH } from './openapi'
import { declaredTooLarge, readBody } from './request-body'

export interface HttpApiCore extends DispatchTarget {
  tokens: TokenVerifier
}

export interface HttpApiOptions {
  core: HttpApiCore
  /** Largest body taken (the WebSocket's frame limit). */
  maxBody: number
  /** The OpenAPI document, serialised once at startup. */
  openApiText: string
}

const CHALLENGE = 'Bearer realm="jobdeck"'

export type BearerCheck = { ok: true; caller: Caller } | { ok: false; error: ErrorInfo; challenge: string }

/** The caller of `Authorization: Bearer <token>`, or why not (the 401's body and WWW-Authenticate). */
export async function bearerCaller(req: http.IncomingMessage, tokens: TokenVerifier): Promise<BearerCheck> {
  const header = req.headers.authorization
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  if (!match?.[1]) {
    return {
      ok: false,
      challenge: CHALLENGE,
      error: {
        code: 'unauthorized',
        message: 'this needs an API token: send `Authorization: Bearer <token>` (made with `jobdeck tokens create NAME --role viewer|operator|admin`)',
      },
    }
  }
  let caller: Caller | null
  try {
    caller = await tokens.verify(match[1])
  } catch (error) {
    return { ok: false, challenge: CHALLENGE, error: { code: 'unavailable', message: `the token could not be checked: ${echo((error as Error).message)}` } }
  }
  if (caller === null) {
    return {
      ok: false,
      challenge: `${CHALLENGE}, error="invalid_token"`,
      error: { code: 'unauthorized', message: 'the API token is unknown, expired or revoked' },
    }
  }
  return { ok: true, caller }
}

export function refuseBearer(res: http.ServerResponse, check: Extract<BearerCheck, { ok: false }>): void {
  jsonError(res, check.error, check.error.code === 'unauthorized' ? { 'WWW-Authenticate': check.challenge } : {})
}

function fail(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  json(res, status, { ok: false, error: { code: 'invalid_input', message } }, extra)
}

const hasBody = (req: http.IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

const isJson = (contentType: string | undefined): boolean => /^application\/json\s*(;|$)/i.test(contentType ?? '')

/** Answers every path under /api/v1/. */
export async function serveHttpApi(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, options: HttpApiOptions): Promise<void> {
  if (pathname === OPENAPI_PATH) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(res, 405, `${OPENAPI_PATH} is read with GET`, { Allow: 'GET, HEAD' })
      return
    }
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(options.openApiText)),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    })
    res.end(req.method === 'HEAD' ? undefined : options.openApiText)
    return
  }
  const method = pathname.slice(API_PREFIX.length)
  if (!isApiMethod(method)) {
    json(res, 404, {
      ok: false,
      error: { code: 'not_found', message: `unknown API method ${echo(method, 100)}; the methods are listed in ${OPENAPI_PATH}` },
    })
    return
  }
  if (req.method !== 'POST') {
    fail(res, 405, `${method}: call it with POST (the JSON body is its input)`, { Allow: 'POST' })
    return
  }
  const bearer = await bearerCaller(req, options.core.tokens)
  if (!bearer.ok) {
    refuseBearer(res, bearer)
    return
  }
  if (hasBody(req) && !isJson(req.headers['content-type'])) {
    fail(res, 415, `${method}: send the input as JSON, with Content-Type: application/json`)
    return
  }
  const tooLarge = `${method}: the body is larger than a call may be (at most ${formatBytes(options.maxBody)})`
  // Refused from its declared length, unread; the connection closes, so the rest is never read either.
  if (declaredTooLarge(req, options.maxBody)) {
    fail(res, 413, tooLarge, { Connection: 'close' })
    return
  }
  const body = await readBody(req, options.maxBody)
  if (!body.ok) {
    if (body.reason === 'too_large') fail(res, 413, tooLarge, { Connection: 'close' })
    else if (body.reason === 'bad_utf8') fail(res, 400, `${method}: the body is not UTF-8 text`)
    else res.destroy()
    return
  }
  let args: unknown = {}
  if (body.text.trim() !== '') {
    try {
      args = JSON.parse(body.text)
    } catch (error) {
      fail(res, 400, `${method}: the body is not JSON: ${echo((error as Error).message, 120)}`)
      return
    }
  }
  const result = await dispatch(options.core, method, args, bearer.caller)
  if (result.ok) json(res, 200, result)
  else json(res, HTTP_STATUS_OF[result.error.code], result)
}
