// The error half of an API reply, as it leaves the core for any transport: it names the method,
// repeats at most a clipped piece of what was sent (a 1 MB key makes a reply of a few hundred
// bytes, not 3 MB) and no credential (src-shared/redact.ts).
import type { ApiMethod } from '../../../src-shared/api'
import type { Caller, Role } from '../../../src-shared/access'
import type { ErrorInfo } from '../../../src-shared/errors'
import { clip, echo, LINE_LIMIT, safeMessage } from '../../../src-shared/redact'

/** Schema problems listed in one reply; the rest are counted. */
export const MAX_ISSUES = 10
/** How deep `details` are copied (ours are two or three levels). */
const MAX_DEPTH = 6

/** What of a zod issue crosses the boundary: where, what kind, and the message. */
export interface InputIssue {
  path: Array<string | number>
  code: string
  message: string
}

/** The `details` of a refused input: the schema's issues (a service's refusal has other details). */
export function isInputIssues(details: unknown): details is InputIssue[] {
  return (
    Array.isArray(details) &&
    details.length > 0 &&
    details.every((d) => typeof d === 'object' && d !== null && Array.isArray((d as InputIssue).path) && typeof (d as InputIssue).code === 'string' && typeof (d as InputIssue).message === 'string')
  )
}

interface ZodIssueLike {
  path: ReadonlyArray<PropertyKey>
  code: string
  message: string
}

const pathText = (path: ReadonlyArray<PropertyKey>): string => (path.length ? path.map((p) => clip(String(p), 60)).join('.') : 'input')

/** `jobs.enqueue: type: expected string; params.x: …` with each issue's place and clipped input. */
export function inputErrorReply(method: ApiMethod, issues: readonly ZodIssueLike[]): { ok: false; error: ErrorInfo } {
  const shown = issues.slice(0, MAX_ISSUES)
  const more = issues.length > shown.length ? `; … and ${issues.length - shown.length} more` : ''
  const details: InputIssue[] = shown.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : clip(String(p), 60))),
    code: i.code,
    message: safeMessage(i.message, LINE_LIMIT),
  }))
  const message = `${method}: ${details.map((d, n) => `${pathText(shown[n]?.path ?? [])}: ${d.message}`).join('; ')}${more}`
  return { ok: false, error: { code: 'invalid_input', message: safeMessage(message), details } }
}

/** A role too weak for the method: says which role it needs, never more. */
export function forbiddenReply(method: ApiMethod, caller: Caller, need: Role): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'forbidden', message: `${method}: needs the ${need} role; ${echo(caller.who, 100)} has ${caller.role}` } }
}

export function unknownMethodReply(method: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'invalid_input', message: `unknown API method ${echo(method, 100)}` } }
}

/** A refusal by the service (JobdeckError.toInfo()), bounded and naming the method. */
export function serviceErrorReply(method: ApiMethod, info: ErrorInfo): { ok: false; error: ErrorInfo } {
  const named = info.message.startsWith(`${method}:`) || info.message.startsWith(`${method} `) ? info.message : `${method}: ${info.message}`
  const error: ErrorInfo = { code: info.code, message: safeMessage(named) }
  if (info.details !== undefined) error.details = boundedDetails(info.details, 0)
  return { ok: false, error }
}

/** A bug: the message is bounded as well (it may quote the input). */
export function internalErrorReply(method: string, error: unknown): { ok: false; error: ErrorInfo } {
  const text = error instanceof Error ? error.message : String(error)
  return { ok: false, error: { code: 'internal', message: safeMessage(`${method} failed: ${text}`) } }
}

/**
 * Details keep their shape (the renderer puts per-row param errors back on the rows) with every
 * string bounded. Lists are kept whole: one entry per row sent is proportional to the call.
 */
function boundedDetails(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return safeMessage(value, LINE_LIMIT)
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return null
  if (Array.isArray(value)) return value.map((item) => boundedDetails(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    // A key from the input is clipped like any value; defineProperty keeps `__proto__` a plain key.
    Object.defineProperty(out, clip(key, 60), { value: boundedDetails(item, depth + 1), enumerable: true, writable: true, configurable: true })
  }
  return out
}
