// Who may call what (issue 17): three roles, each allowing what the one below does and more.
// Every API method declares the least role it needs and whether it changes something (those
// calls are written to the audit log) in `apiAccess` (api.ts); transports only say who calls.
import type { ErrorCode } from './errors'

export const ROLES = ['viewer', 'operator', 'admin'] as const
/**
 * - `viewer` reads everything (secret param values are never shown to anyone);
 * - `operator` also enqueues, cancels, retries, reprioritises, pauses, runs schedules and marks
 *   stuck source rows failed;
 * - `admin` also changes the config, connections, tokens and retention.
 */
export type Role = (typeof ROLES)[number]

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need)
}

/**
 * Who makes a call, as the audit log names them: a token's name, `desktop` (the app's window,
 * through IPC), `browser` (the session `jobdeck serve` printed), `cli:user@host`, or
 * `schedule:NAME` (a schedule's fire; never through a transport).
 */
export interface Caller {
  who: string
  role: Role
}

/** The window's own session: who it is and what it may do (`session.get`). */
export type Session = Caller

/** Names of the owner's own guises: no token may take them (the audit log would not tell them apart). */
export const RESERVED_CALLER_NAMES: readonly string[] = ['desktop', 'browser']

export interface MethodAccess {
  /** The least role that may call it. */
  role: Role
  /** It changes something: each call (allowed or refused) leaves one audit record. */
  changes: boolean
}

export interface ApiToken {
  name: string
  role: Role
  createdAt: string
  /** Who created it (a Caller's `who`). */
  createdBy: string
  /** null: never expires. */
  expiresAt: string | null
  /** Recorded at most once a minute per token. */
  lastUsedAt: string | null
  revokedAt: string | null
}

/** What `tokens.create` answers: the token in clear, shown this once (only its SHA-256 is kept). */
export interface CreatedToken {
  token: ApiToken
  secret: string
}

/** `ok`, or the code of the error the call ended with (`forbidden` for a role too weak). */
export type AuditOutcome = 'ok' | ErrorCode

export interface AuditRecord {
  /** Increasing per store; with `at`, the keyset of `audit.list`. */
  id: string
  at: string
  who: string
  role: Role
  method: string
  /** The ids or names the call acted on (jobs, runs, schedules, tokens…), at most 20; `targetCount` says how many in all. */
  targets: string[]
  targetCount: number
  /** The input in a line, secrets masked, at most 200 characters. */
  summary: string
  outcome: AuditOutcome
  /** The error's message when the call failed. */
  message: string | null
}
