// The messages every non-IPC transport carries (the engine process channel and the headless
// server's WebSocket): a call with an id, its result under the same id, and pushed events.
// Method and event names stay plain strings on the wire: the receiver checks them.
import type { ErrorInfo } from './errors'

/**
 * The largest call message a transport takes (the headless server's WebSocket frames). The largest
 * legitimate call is a bulk add of 100 000 rows (`jobs.enqueueBulk` takes at most that): with the
 * example config's job types it is 4.0 MiB (2 params a row, 42 B) to 6.5 MiB (4 params, 68 B), as
 * the renderer sends it (values as text). 16 MiB is 2.5 times that, and fits 100 000 rows of up to
 * about 165 B (6-7 short params). A 99 MB frame took the server from 96 MB to 957 MB of memory;
 * one refused at this limit is never read.
 */
export const MAX_CALL_BYTES = 16 * 1024 * 1024

export type CallResult = { ok: true; value: unknown } | { ok: false; error: ErrorInfo }

export interface CallMessage {
  kind: 'call'
  id: number
  method: string
  args: unknown
}

export interface ResultMessage {
  kind: 'result'
  id: number
  result: CallResult
}

export interface EventPushMessage {
  kind: 'event'
  name: string
  payload: unknown
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

export function isCallMessage(value: unknown): value is CallMessage {
  return isObject(value) && value.kind === 'call' && Number.isSafeInteger(value.id) && typeof value.method === 'string'
}

export function isResultMessage(value: unknown): value is ResultMessage {
  return isObject(value) && value.kind === 'result' && Number.isSafeInteger(value.id) && isObject(value.result) && typeof value.result.ok === 'boolean'
}

export function isEventPushMessage(value: unknown): value is EventPushMessage {
  return isObject(value) && value.kind === 'event' && typeof value.name === 'string'
}

/** The result of a call the transport could not deliver or answer. */
export function unavailable(message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'unavailable', message } }
}

/**
 * Why the server closes (1008) a socket signed in with an API token once the token is revoked or
 * expired; the window, hearing it, stops reconnecting and goes to the sign-in page.
 */
export const SIGNED_OUT_REASON = 'signed out: the API token is no longer valid; sign in again'

/** The sign-in page (`jobdeck serve`'s /login) saying the window was signed out (its token revoked or expired). */
export const SIGNED_OUT_PARAM = 'signed-out'
export const SIGNED_OUT_PAGE = `/login?${SIGNED_OUT_PARAM}`

/** The result of a call made by a window whose sign-in is no longer valid. */
export function signedOut(message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'unauthorized', message } }
}
