// How the server answers over plain HTTP: the security headers every reply carries, plain text
// for people, JSON for programs, and the one map from an error code to its HTTP status.
import type http from 'node:http'
import type { ErrorCode, ErrorInfo } from '../../src-shared/errors'

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  // The first URL carries the token: it must never leave in a Referer to another site. Not
  // `no-referrer`: under it a browser sends `Origin: null` with a form's POST, and /login and
  // /logout refuse a POST whose Origin is not ours (a Chromium sign-in was refused so).
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
}

/** Every error code's HTTP status: a new method needs nothing here, a new code does (the type says so). */
export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  config_invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  locked: 409,
  internal: 500,
  unavailable: 503,
}

export function plain(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra })
  res.end(text)
}

export function json(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...extra,
  })
  res.end(text)
}

/** `{ok:false, error}` with the status its code maps to. */
export function jsonError(res: http.ServerResponse, error: ErrorInfo, extra: Record<string, string> = {}): void {
  json(res, HTTP_STATUS_OF[error.code], { ok: false, error }, extra)
}

export function html(res: http.ServerResponse, status: number, page: string, csp: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': csp,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(page)),
    'Cache-Control': 'no-store',
    ...extra,
  })
  res.end(page)
}

export function redirect(res: http.ServerResponse, location: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Content-Length': '0', 'Cache-Control': 'no-store', ...extra })
  res.end()
}
