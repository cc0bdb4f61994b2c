// How the sql executor words what happened: results, errors and values as one-line text.
import pg from 'pg'
import { formatShortDuration } from './outcome'
import type { ExecutionResult } from './types'

/** The connection itself failed (as opposed to the statement): it must not go back to the pool. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return true
  if (error.severity === 'FATAL' || error.severity === 'PANIC') return true
  const code = error.code ?? ''
  return code.startsWith('08') || code.startsWith('57P')
}

export function connectFailure(error: Error, connectTimeoutMs: number | undefined): string {
  const message = messageOf(error)
  if (/connection timeout/i.test(message)) {
    return connectTimeoutMs ? `no answer within ${formatShortDuration(connectTimeoutMs)} (connectTimeout)` : 'connection timed out'
  }
  if (/password must be a string/i.test(message)) {
    return "the server asks for a password and none was found (the app's Settings, PGPASSWORD or ~/.pgpass)"
  }
  return oneLine(message)
}

export function result(outcome: ExecutionResult['outcome'], error: string | null): ExecutionResult {
  return { outcome, exitCode: null, signal: null, error, timedOut: false, itemsOk: null, itemsFailed: null }
}

export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`
  if (Array.isArray(value)) return value.map(jsonValue)
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  return value
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** Node reports a refused connection to `localhost` (IPv4 and IPv6) as an AggregateError without a message. */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const inner = [...new Set(error.errors.map((e: unknown) => messageOf(e)))]
    return inner.join('; ') || 'connection failed'
  }
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name
  return String(error)
}
