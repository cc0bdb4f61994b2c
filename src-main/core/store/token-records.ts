// Where API tokens are kept (issue 17): the SQLite file in local mode (sqlite/token-store.ts), the
// shared database in shared mode (postgres/pg-tokens.ts). Each row holds the SHA-256 of the token
// (hex), never the token. access/api-tokens.ts is the one user.
import type { Role } from '../../../src-shared/access'

export interface TokenRow {
  name: string
  role: Role
  /** SHA-256 of the token, lowercase hex. */
  hash: string
  createdAt: number
  createdBy: string
  expiresAt: number | null
  lastUsedAt: number | null
  revokedAt: number | null
}

/** A row as both databases store it (PostgreSQL's bigints may come as text). */
export interface TokenColumns {
  name: string
  role: Role
  hash: string
  created_at: number | string
  created_by: string
  expires_at: number | string | null
  last_used_at: number | string | null
  revoked_at: number | string | null
}

export const TOKEN_COLUMNS = `name, role, hash, created_at, created_by, expires_at, last_used_at, revoked_at`

const instant = (value: number | string | null): number | null => (value === null ? null : Number(value))

export function tokenFromColumns(r: TokenColumns): TokenRow {
  return {
    name: r.name,
    role: r.role,
    hash: r.hash,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    expiresAt: instant(r.expires_at),
    lastUsedAt: instant(r.last_used_at),
    revokedAt: instant(r.revoked_at),
  }
}

export interface TokenRecords {
  /** Adds the token; false when its name is taken (by a live, expired or revoked token). */
  add(row: TokenRow): boolean | Promise<boolean>
  /** Every token, revoked and expired ones too, by name. */
  all(): TokenRow[] | Promise<TokenRow[]>
  /** The tokens that may be used at `now`: not revoked, not expired. */
  live(now: number): TokenRow[] | Promise<TokenRow[]>
  /** Revokes the token (a revoked one keeps its first revocation); null when no token has that name. */
  revoke(name: string, at: number): TokenRow | null | Promise<TokenRow | null>
  /** Records a use; never moves the last use back. */
  touch(name: string, at: number): void | Promise<void>
}
