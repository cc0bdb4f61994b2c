// One call as the audit log keeps it: who, when, what, on which ids, the input in one line with
// its secrets masked, and how it ended. Pure, so what a record says is tested without a store.
//
// Never a secret: a job type's `secret: true` params (every param value when the type is unknown),
// any field whose name says password/secret/token/key, credentials in URLs and other text
// (redact.ts) are masked in the summary, and the error message is cleared of the secret param
// values it might quote. The result is read only for the ids it names (tokens.create's secret is
// never looked at).
import type { AuditRecord } from '../../../src-shared/access'
import { clip, MASK, redactSecrets, safeMessage } from '../../../src-shared/redact'
import { redactSecretValue } from '../../../src-shared/secret-params'
import type { AuditedCall } from './audit-sink'

/** A record keeps this many targets; `targetCount` says how many there were. */
export const MAX_TARGETS = 20
export const SUMMARY_LIMIT = 200
/** An error message is kept this long (the summary says what was asked; this says why it failed). */
export const MESSAGE_LIMIT = 1_000

export interface AuditContext {
  /** The `secret: true` params of a job type; null when the config has no such type (every value is masked then). */
  secretParams(type: string): readonly string[] | null
}

/** Input fields that name what a call acts on. `type` only counts when the call names no job (alerts.snooze). */
const TARGET_KEYS = ['id', 'name', 'channel'] as const
/** A field whose value is a credential whatever the method (connection.save's password). */
const SECRET_KEY = /pass(word|wd)?$|secret|token|api[_-]?key|credential|private[_-]?key/i
const PLAIN = /^[\w.:@/+-]{1,80}$/
const MAX_DEPTH = 2
const MAX_ITEMS = 5

export function auditRecord(call: AuditedCall, id: string, context: AuditContext): AuditRecord {
  const { targets, targetCount } = targetsOf(call.args, call.result.ok ? call.result.value : undefined)
  const secrets = secretValues(call.args, context)
  return {
    id,
    at: new Date(call.at).toISOString(),
    who: call.caller.who,
    role: call.caller.role,
    method: call.method,
    targets,
    targetCount,
    summary: summaryOf(call.args, context),
    outcome: call.result.ok ? 'ok' : call.result.error.code,
    message: call.result.ok ? null : messageOf(call.result.error.message, secrets),
  }
}

function messageOf(text: string, secrets: readonly unknown[]): string {
  let message = safeMessage(text, MESSAGE_LIMIT)
  for (const value of secrets) message = redactSecretValue(message, value)
  return clip(message, MESSAGE_LIMIT)
}

// ── targets ──────────────────────────────────────────────────────────────────────────────────

/** The jobs a result names, then the ids and names of the input; at most MAX_TARGETS kept. */
export function targetsOf(args: unknown, value: unknown): { targets: string[]; targetCount: number } {
  const all = new Set<string>(jobIdsIn(value))
  const input = isRecord(args) ? args : {}
  for (const key of TARGET_KEYS) if (typeof input[key] === 'string') all.add(input[key])
  // sources.markFailed: the row's id in its own table.
  if (isRecord(value) && typeof value.sourceId === 'string') all.add(value.sourceId)
  if (all.size === 0 && typeof input.type === 'string') all.add(input.type)
  const targets: string[] = []
  for (const target of all) {
    if (targets.length === MAX_TARGETS) break
    targets.push(clip(target, 64))
  }
  return { targets, targetCount: all.size }
}

function isJobLike(value: unknown): value is { id: string } {
  return isRecord(value) && typeof value.id === 'string' && typeof value.status === 'string' && typeof value.lane === 'string'
}

/** A Job, a Job[] (enqueueBulk), or an answer carrying one (`{job}`: cancel, schedules.runNow). */
function jobIdsIn(value: unknown): string[] {
  if (isJobLike(value)) return [value.id]
  if (Array.isArray(value)) return value.filter(isJobLike).map((job) => job.id)
  if (isRecord(value) && isJobLike(value.job)) return [value.job.id]
  return []
}

// ── summary ──────────────────────────────────────────────────────────────────────────────────

/** `type=report params={dealer_id=42, token=••••} priority=high`: the input in a line, masked, ≤ 200 characters. */
export function summaryOf(args: unknown, context: AuditContext): string {
  if (!isRecord(args)) return args === undefined ? '' : clip(redactSecrets(render(args, 0)), SUMMARY_LIMIT)
  const secretParams = typeof args.type === 'string' ? context.secretParams(args.type) : null
  const parts = Object.entries(args)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${keyText(key)}=${renderField(key, value, secretParams)}`)
  return clip(redactSecrets(parts.join(' ')), SUMMARY_LIMIT)
}

function renderField(key: string, value: unknown, secretParams: readonly string[] | null): string {
  if (SECRET_KEY.test(key) && value !== null && typeof value !== 'boolean') return MASK
  // A job's params (enqueue) and rows of params (enqueueBulk): the type's secret ones masked.
  if (key === 'params' && isRecord(value)) return render(maskParams(value, secretParams), 1)
  if (key === 'rows' && Array.isArray(value)) return `${value.length} row${value.length === 1 ? '' : 's'}`
  return render(value, 1)
}

function maskParams(params: Record<string, unknown>, secretParams: readonly string[] | null): Record<string, unknown> {
  const masked: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(params)) masked[name] = secretParams === null || secretParams.includes(name) || SECRET_KEY.test(name) ? MASK : value
  return masked
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return value === MASK || PLAIN.test(value) ? value : JSON.stringify(clip(value, 80))
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (Array.isArray(value)) {
    if (depth > MAX_DEPTH) return `[${value.length}]`
    const shown = value.slice(0, MAX_ITEMS).map((item) => render(item, depth + 1))
    return `[${shown.join(', ')}${value.length > MAX_ITEMS ? `, …${value.length - MAX_ITEMS} more` : ''}]`
  }
  if (isRecord(value)) {
    const entries = Object.entries(value)
    if (depth > MAX_DEPTH) return `{${entries.length}}`
    const shown = entries.slice(0, MAX_ITEMS).map(([key, item]) => `${keyText(key)}=${SECRET_KEY.test(key) ? MASK : render(item, depth + 1)}`)
    return `{${shown.join(', ')}${entries.length > MAX_ITEMS ? `, …${entries.length - MAX_ITEMS} more` : ''}}`
  }
  return typeof value
}

function keyText(key: string): string {
  return /^[\w.-]{1,40}$/.test(key) ? key : JSON.stringify(clip(key, 40))
}

/** The values an error message could quote that must not be kept: secret params, secret-named fields. */
function secretValues(args: unknown, context: AuditContext): unknown[] {
  if (!isRecord(args)) return []
  const values: unknown[] = Object.entries(args).filter(([key]) => SECRET_KEY.test(key)).map(([, value]) => value)
  const secretParams = typeof args.type === 'string' ? context.secretParams(args.type) : null
  // An unknown type's params were never checked, so no message quotes them.
  const rows = isRecord(args.params) ? [args.params] : Array.isArray(args.rows) ? args.rows.filter(isRecord) : []
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) if (secretParams?.includes(name) === true || SECRET_KEY.test(name)) values.push(value)
  }
  return values
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
